"""Billing usage (service agreements, usage reports, usage notifications) for a user or an
organization.

Every account has one service agreement (a user the Sandbox plan, an organization an
Enterprise plan) whose usage summary is computed from its devices. Reaching 70, 90 or
100 % of the plan's device limit records a notification. A usage report is built
asynchronously: 202 `pending`, then `available` with a `download_url` on its second read.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_org
from .._state import CloudState, FakeDevice, iso_ms, new_token, utcnow
from .._wire import Ctx, Handler, api, fail, json_response, services_of

READS_UNTIL_READY = 2  # a usage report is available on its 2nd read
THRESHOLDS = (70, 90, 100)
PLANS = {  # owner type -> (plan name, agreement type, duration, device limit)
    "individual": ("Sandbox", "developer", "monthly", 100),
    "organization": ("Enterprise Plan", "enterprise", "annual", 1500),
}


@dataclass
class Agreement:
    id: str
    owner_type: str  # "individual" or "organization"
    owner: str  # username or org slug
    owner_id: str
    starts_on: date
    notices: dict[int, dict[str, Any]] = field(default_factory=dict)  # threshold -> notice


@dataclass
class Report:
    id: str
    agreement: Agreement
    attributes: dict[str, Any]
    token: str = field(default_factory=new_token)
    reads: int = 0


@dataclass
class UsageState:
    agreements: dict[str, Agreement] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    reports_by_token: dict[str, Report] = field(default_factory=dict)


def store(state: CloudState) -> UsageState:
    return state.area(UsageState)


# -- agreements --------------------------------------------------------------------------


def owner_agreement(ctx: Ctx) -> Agreement:
    """The caller's (or, on `/v1/orgs/:org/...`, the organization's) agreement."""
    if "org" in ctx.request.path_params:
        org = resolve_org(ctx, ctx.path("org"))
        kind, owner, owner_id = "organization", org.slug, org.id
    else:
        kind, owner, owner_id = "individual", ctx.user.username, ctx.user.id
    with ctx.state.lock:
        usage = store(ctx.state)
        found = next(
            (a for a in usage.agreements.values() if (a.owner_type, a.owner) == (kind, owner)),
            None,
        )
        if found is None:
            found = Agreement(str(len(usage.agreements) + 1), kind, owner, owner_id, _today())
            usage.agreements[found.id] = found
        return found


def agreement_at(ctx: Ctx) -> Agreement:
    agreement = owner_agreement(ctx)
    if ctx.path("serviceAgreementId") != agreement.id:
        raise fail(404, "Service agreement not found")
    return agreement


def _today() -> date:
    return utcnow().date()


def _period() -> tuple[date, date]:
    """The current billing period, a calendar month: its first day and the next's."""
    start = _today().replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def devices_of(state: CloudState, agreement: Agreement) -> list[FakeDevice]:
    if agreement.owner_type == "individual":
        return [d for d in state.all_devices() if d.owner == agreement.owner]
    products = {p.id for p in state.all_products() if p.org == agreement.owner}
    return [d for d in state.all_devices() if d.product_id in products]


def _summary(state: CloudState, agreement: Agreement) -> dict[str, Any]:
    devices = devices_of(state, agreement)
    ids = {d.id for d in devices}
    messages = sum(e.coreid in ids for e in state.published)

    def bucket(chosen: list[FakeDevice], msgs: int) -> dict[str, Any]:
        return {
            "owned_devices": len(chosen),
            "billable_devices": len(chosen),
            "device_data": 0,
            "device_messages": msgs,
        }

    limit = PLANS[agreement.owner_type][3]
    return {
        "device_limit_reached": len(devices) >= limit,
        "connectivity": {
            "all": bucket(devices, messages),
            "wifi": bucket([d for d in devices if not d.cellular], 0),
            "cellular": bucket([d for d in devices if d.cellular], 0),
            "asset_tracker": bucket([], 0),
        },
    }


def _notice(state: CloudState, agreement: Agreement) -> None:
    """Record the threshold notices the current device count has reached."""
    count, limit = len(devices_of(state, agreement)), PLANS[agreement.owner_type][3]
    start = _period()[0]
    for threshold in THRESHOLDS:
        if count * 100 >= limit * threshold and threshold not in agreement.notices:
            now = iso_ms(utcnow())
            agreement.notices[threshold] = {
                "id": new_token()[:32],
                "type": "notification",
                "attributes": {
                    "state": "completed",
                    "event_name": f"{PLANS[agreement.owner_type][1]}:usage_activity:{threshold}",
                    "time_period": start.isoformat(),
                    "created_at": now,
                    "updated_at": now,
                    "resource_id": agreement.id,
                    "resource_type": "ServiceAgreement",
                    "details": {
                        "event_type": f"devices_{threshold}_percent",
                        "owned_devices": count,
                        "max_devices": limit,
                    },
                },
            }


def agreement_view(state: CloudState, agreement: Agreement) -> dict[str, Any]:
    name, kind, duration, limit = PLANS[agreement.owner_type]
    start, nxt = _period()
    return {
        "id": agreement.id,
        "type": "service_agreement",
        "attributes": {
            "owner_id": agreement.owner_id,
            "owner_type": agreement.owner_type,
            "name": name,
            "agreement_type": kind,
            "duration": duration,
            "state": "active",
            "starts_on": agreement.starts_on.isoformat(),
            "ends_on": None,
            "current_billing_period_start": start.isoformat(),
            "current_billing_period_end": (nxt - timedelta(days=1)).isoformat(),
            "next_billing_period_start": nxt.isoformat(),
            "current_usage_summary": _summary(state, agreement),
            "pricing_terms": {"device": {"duration": duration, "max_devices": limit}},
        },
    }


async def service_agreements(ctx: Ctx) -> Response:
    agreement = owner_agreement(ctx)
    with ctx.state.lock:
        view = agreement_view(ctx.state, agreement)
    return json_response({"data": [view]})


async def notifications(ctx: Ctx) -> Response:
    agreement = agreement_at(ctx)
    with ctx.state.lock:
        _notice(ctx.state, agreement)
        notices = [agreement.notices[t] for t in sorted(agreement.notices)]
    return json_response({"data": notices})


# -- usage reports -----------------------------------------------------------------------


def _day(ctx: Ctx, name: str) -> date:
    raw = ctx.param(name)
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise fail(400, f"{name} must be a date (YYYY-MM-DD)") from None


async def create_report(ctx: Ctx) -> Response:
    agreement = agreement_at(ctx)
    kind = ctx.param("report_type")
    if kind not in ("devices", "products"):
        raise fail(400, "report_type must be devices or products")
    start, end = _day(ctx, "date_period_start"), _day(ctx, "date_period_end")
    if end < start:
        raise fail(400, "date_period_end must not be before date_period_start")
    with ctx.state.lock:
        usage = store(ctx.state)
        report = Report(
            str(len(usage.reports) + 1),
            agreement,
            {
                "state": "pending",
                "service_agreement_id": int(agreement.id),
                "date_period_start": start.isoformat(),
                "date_period_end": end.isoformat(),
                "created_at": iso_ms(utcnow()),
                "expires_at": None,
                "report_type": kind,
                "report_params": {
                    "devices": [str(d) for d in ctx.param("devices") or []],
                    "products": list(ctx.param("products") or []),
                    "recipient_list": [ctx.user.username],
                },
                "download_url": None,
            },
        )
        usage.reports[report.id] = usage.reports_by_token[report.token] = report
    return json_response(_report_view(report), status=202)


def _report_view(report: Report) -> dict[str, Any]:
    return {"data": {"id": report.id, "type": "usage_report", "attributes": report.attributes}}


async def get_report(ctx: Ctx) -> Response:
    agreement = owner_agreement(ctx)
    with ctx.state.lock:
        report = store(ctx.state).reports.get(ctx.path("usageReportId"))
        if report is None or report.agreement is not agreement:
            raise fail(404, "Usage report not found")
        report.reads += 1
        if report.reads >= READS_UNTIL_READY and report.attributes["state"] == "pending":
            url = f"{str(ctx.request.base_url).rstrip('/')}/downloads/usage_reports/"
            report.attributes.update(
                state="available",
                expires_at=iso_ms(utcnow() + timedelta(days=7)),
                download_url=f"{url}{report.token}.csv",
            )
        view = _report_view(report)
    return json_response(view)


async def download_report(request: Request) -> Response:
    """The report file behind `download_url`: a pre-signed link, so no token needed."""
    state = services_of(request).state
    with state.lock:
        report = store(state).reports_by_token.get(str(request.path_params["token"]))
        if report is None or report.attributes["state"] != "available":
            return Response("Not Found", status_code=404, media_type="text/plain")
        devices = devices_of(state, report.agreement)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["device_id", "device_name", "product_id", "platform_id"])
    for d in sorted(devices, key=lambda d: d.id):
        writer.writerow([d.id, d.name, d.product_id or "", d.platform_id])
    return Response(out.getvalue(), media_type="text/csv")


def _owned(rest: str, handler: Handler, method: str) -> list[Route]:
    return [
        api("/v1/user/" + rest, handler, method),
        api("/v1/orgs/{org}/" + rest, handler, method),
    ]


AGREEMENT = "service_agreements/{serviceAgreementId}"

routes: list[Route] = [
    *_owned("service_agreements", service_agreements, "GET"),
    *_owned(AGREEMENT + "/notifications", notifications, "GET"),
    *_owned(AGREEMENT + "/usage_reports", create_report, "POST"),
    *_owned("usage_reports/{usageReportId}", get_report, "GET"),
    Route("/downloads/usage_reports/{token}.csv", download_report, methods=["GET"]),
]
