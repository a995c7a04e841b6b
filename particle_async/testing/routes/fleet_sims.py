"""SIM cards of a user or a product: list (product lists are paged and filtered), get,
HEAD, activate / deactivate / reactivate, release, import into a product, data usage.
The cellular status check is in `fleet_sim_status`.

Every cellular device's ICCID is a SIM the first time this module looks (owned like the
device, active); a user also gets a SIM by activating a new ICCID, a product by import.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_product
from .._state import CloudState, FakeDevice, FakeProduct, iso_ms, utcnow
from .._wire import Ctx, Handler, api, as_int, fail, json_response, permission_denied

ICCID = re.compile(r"^\d{18,22}$")
DEFAULT_PER_PAGE = 25


@dataclass
class SimRecord:
    iccid: str
    owner: str | None = None
    product_id: int | None = None
    status: str = "never_before_activated"
    activations: int = 0
    deactivations: int = 0
    first_activated_on: datetime | None = None
    last_activated_on: datetime | None = None
    last_action: str | None = None
    updated_at: datetime = field(default_factory=utcnow)

    def activate(self, action: str = "activate") -> None:
        now = utcnow()
        self.status, self.activations, self.last_action = "active", self.activations + 1, action
        self.first_activated_on = self.first_activated_on or now
        self.last_activated_on = self.updated_at = now

    def deactivate(self) -> None:
        self.status, self.deactivations, self.last_action = (
            "inactive",
            self.deactivations + 1,
            "deactivate",
        )
        self.updated_at = utcnow()


@dataclass
class SimsState:
    sims: dict[str, SimRecord] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # ICCIDs ever synced from devices


def sims_of(state: CloudState) -> SimsState:
    """The SIM store, with the SIMs of cellular devices added. Call under the lock."""
    store = state.area(SimsState)
    for device in state.all_devices():
        if device.iccid and device.iccid not in store.seen:
            store.seen.add(device.iccid)
            sim = store.sims.setdefault(device.iccid, SimRecord(device.iccid))
            sim.owner = device.owner if device.product_id is None else None
            sim.product_id = device.product_id
            sim.activate()
    return store


def device_of(state: CloudState, sim: SimRecord) -> FakeDevice | None:
    return next((d for d in state.all_devices() if d.iccid == sim.iccid), None)


def sim_view(state: CloudState, sim: SimRecord) -> dict[str, Any]:
    device = device_of(state, sim)
    user = state.users.get(sim.owner) if sim.owner else None
    stamp = {k: iso_ms(v) if v else None for k, v in _stamps(sim).items()}
    return {
        "_id": sim.iccid,
        "iccid": sim.iccid,
        "status": sim.status,
        "activations_count": sim.activations,
        "deactivations_count": sim.deactivations,
        **stamp,
        "last_status_change_action": sim.last_action,
        "last_status_change_action_error": "no",
        "base_country_code": "US",
        "carrier": "telefonica",
        "msisdn": "3459" + sim.iccid[-11:],
        "mb_limit": None,
        "user_id": user.id if user else None,
        "owner": sim.owner,
        "product_id": sim.product_id,
        "last_device_id": device.id if device else None,
        "last_device_name": device.name if device else None,
    }


def _stamps(sim: SimRecord) -> dict[str, datetime | None]:
    return {
        "first_activated_on": sim.first_activated_on,
        "last_activated_on": sim.last_activated_on,
        "updated_at": sim.updated_at,
    }


def resolve_sim(ctx: Ctx) -> tuple[SimRecord, FakeProduct | None]:
    """The SIM at `:iccid` through the product (`:product`) or the user's account."""
    product = None
    if "product" in ctx.request.path_params:
        product = resolve_product(ctx, ctx.path("product"))
    sim = sims_of(ctx.state).sims.get(ctx.path("iccid"))
    if sim is None or (product is not None and sim.product_id != product.id):
        raise fail(404, "SIM card not found")
    if product is None and sim.owner != ctx.user.username:
        team = ctx.state.products.get(sim.product_id) if sim.product_id is not None else None
        if team is None or ctx.user.username not in team.members:
            raise permission_denied()
    return sim, product


# -- listing and details -----------------------------------------------------------------


async def list_user_sims(ctx: Ctx) -> Response:
    with ctx.state.lock:
        mine = [s for s in sims_of(ctx.state).sims.values() if s.owner == ctx.user.username]
        views = [sim_view(ctx.state, s) for s in mine]
    return json_response({"sims": views})


async def list_product_sims(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    page = as_int(ctx.query("page") or 1, "page", minimum=1)
    per_page = as_int(ctx.query("perPage", "per_page") or DEFAULT_PER_PAGE, "perPage", minimum=1)
    iccid, device_id = ctx.query("iccid") or "", (ctx.query("deviceId") or "").lower()
    device_name = (ctx.query("deviceName") or "").lower()
    with ctx.state.lock:
        views = [
            sim_view(ctx.state, s)
            for s in sims_of(ctx.state).sims.values()
            if s.product_id == product.id and iccid in s.iccid
        ]
    chosen = [
        v
        for v in views
        if device_id in (v["last_device_id"] or "")
        and device_name in (v["last_device_name"] or "").lower()
    ]
    start = (page - 1) * per_page
    return json_response(
        {
            "sims": chosen[start : start + per_page],
            "meta": {"total_pages": math.ceil(len(chosen) / per_page)},
        }
    )


async def get_sim(ctx: Ctx) -> Response:
    with ctx.state.lock:
        sim, _ = resolve_sim(ctx)
        view = sim_view(ctx.state, sim)
    return json_response({"sim": view})


# -- state changes -----------------------------------------------------------------------


async def update_sim(ctx: Ctx) -> Response:
    action = ctx.param("action")
    if action not in ("activate", "deactivate", "reactivate"):
        raise fail(400, "action must be activate, deactivate or reactivate")
    with ctx.state.lock:
        store = sims_of(ctx.state)
        iccid = ctx.path("iccid")
        user_form = "product" not in ctx.request.path_params
        if action == "activate" and user_form and iccid not in store.sims and ICCID.match(iccid):
            store.sims[iccid] = SimRecord(iccid, owner=ctx.user.username)  # new for the account
        sim, product = resolve_sim(ctx)
        if action == "activate":
            if product is not None or sim.product_id is not None:
                raise fail(400, "Product SIM cards are activated by importing them")
            if sim.status == "active":
                raise fail(400, "SIM card is already active")
            sim.activate()
        elif action == "deactivate":
            if sim.status != "active":
                raise fail(400, "SIM card is not active")
            sim.deactivate()
        else:
            if sim.status != "inactive":
                raise fail(400, "Only a deactivated SIM card can be reactivated")
            sim.activate("reactivate")
    return json_response({"ok": True})


async def release_sim(ctx: Ctx) -> Response:
    """204 released; 202 when the SIM was active and its deactivation is still pending."""
    with ctx.state.lock:
        sim, _ = resolve_sim(ctx)
        del sims_of(ctx.state).sims[sim.iccid]
    return Response(status_code=202 if sim.status == "active" else 204)


async def _iccids(ctx: Ctx) -> list[str]:
    """From JSON `{sims: [...]}`, form `sims[]=...`, or a multipart `.txt` file."""
    kind = ctx.request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        async with ctx.request.form() as form:  # closes the upload's temporary file
            upload = form.get("file")
            text = (await upload.read()).decode() if isinstance(upload, UploadFile) else ""
        return [line.strip() for line in text.splitlines() if line.strip()]
    if kind.startswith("application/x-www-form-urlencoded"):
        pairs = parse_qsl((await ctx.request.body()).decode(), keep_blank_values=False)
        return [v for k, v in pairs if k in ("sims", "sims[]")]
    raw = ctx.param("sims") or []
    return [str(i) for i in (raw if isinstance(raw, list) else [raw])]


async def import_sims(ctx: Ctx) -> Response:
    """Queued in the real cloud (results are e-mailed): unknown or free SIMs join the
    product, active; SIMs of others are skipped. A SIM's device joins the product too."""
    product = resolve_product(ctx, ctx.path("product"))
    iccids = [i for i in await _iccids(ctx) if ICCID.match(i)]
    if not iccids:
        raise fail(400, "Provide sims (a list of ICCIDs) or a file")
    with ctx.state.lock:
        store = sims_of(ctx.state)
        for iccid in iccids:
            sim = store.sims.setdefault(iccid, SimRecord(iccid))
            if sim.owner is not None or sim.product_id not in (None, product.id):
                continue
            sim.product_id = product.id
            if sim.status != "active":
                sim.activate()
            device = device_of(ctx.state, sim)
            if device is not None and device.product_id is None:
                device.product_id = product.id
                device.firmware_version = device.firmware_version or 1
    return json_response({"ok": True})


# -- usage and status --------------------------------------------------------------------


def usage_days(sim: SimRecord) -> list[dict[str, Any]]:
    """This billing period (the calendar month), day by day, for a SIM ever activated."""
    if sim.first_activated_on is None:
        return []
    today = utcnow().date()
    day = max(today.replace(day=1), sim.first_activated_on.date())
    days, total = [], 0.0
    while day <= today:
        used = 0.25 * (1 + day.day % 4)
        total += used
        days.append({"date": day.isoformat(), "mbs_used": used, "mbs_used_cumulative": total})
        day += timedelta(days=1)
    return days


async def data_usage(ctx: Ctx) -> Response:
    with ctx.state.lock:
        sim, _ = resolve_sim(ctx)
        days = usage_days(sim)
    return json_response({"iccid": sim.iccid, "usage_by_day": days})


async def fleet_data_usage(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    with ctx.state.lock:
        fleet = [s for s in sims_of(ctx.state).sims.values() if s.product_id == product.id]
        per_day: dict[str, float] = {}
        for sim in fleet:
            for day in usage_days(sim):
                per_day[day["date"]] = per_day.get(day["date"], 0.0) + day["mbs_used"]
    days, total = [], 0.0
    for key in sorted(per_day):
        total += per_day[key]
        days.append({"date": key, "mbs_used": per_day[key], "mbs_used_cumulative": total})
    active = sum(s.status == "active" for s in fleet)
    return json_response(
        {"total_mbs_used": total, "total_active_sim_cards": active, "usage_by_day": days}
    )


def both(rest: str, handler: Handler, method: str) -> list[Route]:
    """The user form and the product form of a route."""
    return [
        api("/v1/" + rest, handler, method),
        api("/v1/products/{product}/" + rest, handler, method),
    ]


routes: list[Route] = [
    api("/v1/sims", list_user_sims, "GET"),
    api("/v1/products/{product}/sims", list_product_sims, "GET"),
    api("/v1/products/{product}/sims", import_sims, "POST"),
    api("/v1/products/{product}/sims/data_usage", fleet_data_usage, "GET"),
    *both("sims/{iccid}/data_usage", data_usage, "GET"),
    *both("sims/{iccid}", get_sim, "GET"),
    *both("sims/{iccid}", update_sim, "PUT"),
    *both("sims/{iccid}", release_sim, "DELETE"),
]
