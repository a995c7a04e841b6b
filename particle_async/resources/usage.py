"""`cloud.usage`: service agreements (billing plans), usage reports and usage notices, for
your account or (with `org=`) an organization."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from ..models.usage import ServiceAgreement, UsageNotification, UsageReport
from ._base import Resource, drop_none, path
from ._poll import poll

__all__ = ["Usage"]


def _owner(org: str | None, rest: str, *parts: object) -> str:
    """`/v1/user/<rest>` or `/v1/orgs/:org/<rest>`."""
    if org is None:
        return path("/v1/user/" + rest, *parts)
    return path("/v1/orgs/{}/" + rest, org, *parts)


def _day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value


class Usage(Resource):
    """Billing usage. Every call takes `org=` (id or slug) for an organization's plan."""

    async def service_agreements(self, *, org: str | None = None) -> list[ServiceAgreement]:
        """Your (or the org's) service agreements with this period's usage summary.

        Endpoint: `GET /v1/user/service_agreements` (or `/v1/orgs/:org/service_agreements`).
        """
        body = await self._transport.request("GET", _owner(org, "service_agreements"))
        return ServiceAgreement.list_from_document(body)

    async def create_report(
        self,
        service_agreement_id: int | str,
        report_type: Literal["devices", "products"],
        date_period_start: date | str,
        date_period_end: date | str,
        *,
        devices: Sequence[str] | None = None,
        products: Sequence[int | str] | None = None,
        org: str | None = None,
    ) -> UsageReport:
        """Ask for a usage report (built asynchronously: 202, `state` pending). Follow it
        with `wait_for_report`, then fetch `download_url`.

        Endpoint: `POST /v1/user/service_agreements/:serviceAgreementId/usage_reports` (or
        `/v1/orgs/:org/service_agreements/:serviceAgreementId/usage_reports`).
        """
        body = drop_none(
            {
                "report_type": report_type,
                "date_period_start": _day(date_period_start),
                "date_period_end": _day(date_period_end),
                "devices": list(devices) if devices is not None else None,
                "products": list(products) if products is not None else None,
            }
        )
        result = await self._transport.request(
            "POST",
            _owner(org, "service_agreements/{}/usage_reports", service_agreement_id),
            json_body=body,
        )
        return UsageReport.from_document(result)

    async def get_report(self, report_id: int | str, *, org: str | None = None) -> UsageReport:
        """One usage report; `download_url` is set once its state is `available`.

        Endpoint: `GET /v1/user/usage_reports/:usageReportId` (or
        `/v1/orgs/:org/usage_reports/:usageReportId`).
        """
        body = await self._transport.request("GET", _owner(org, "usage_reports/{}", report_id))
        return UsageReport.from_document(body)

    async def wait_for_report(
        self,
        report_id: int | str,
        *,
        org: str | None = None,
        interval: float = 5.0,
        attempts: int = 60,
    ) -> UsageReport:
        """Poll `get_report` every `interval` seconds until the report leaves its pending
        states (available, or failed/expired: check `is_available`). Raises
        `PollTimeoutError` after `attempts` reads."""
        return await poll(
            lambda: self.get_report(report_id, org=org),
            lambda report: not report.is_pending,
            clock=self._transport.clock,
            attempts=attempts,
            delay=lambda _: interval,
            what=f"usage report {report_id}",
        )

    async def notifications(
        self, service_agreement_id: int | str, *, org: str | None = None
    ) -> list[UsageNotification]:
        """Usage notices of this period: thresholds reached (70/90/100 %), pauses, unpauses.

        Endpoint: `GET /v1/user/service_agreements/:serviceAgreementId/notifications` (or
        `/v1/orgs/:org/service_agreements/:serviceAgreementId/notifications`).
        """
        body = await self._transport.request(
            "GET",
            _owner(org, "service_agreements/{}/notifications", service_agreement_id),
        )
        return UsageNotification.list_from_document(body)
