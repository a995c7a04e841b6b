"""Models of usage and billing: service agreements, usage reports and usage notifications.

These endpoints answer JSON:API documents (`{"data": {"id", "type", "attributes"}}`); the
models read `id`, `type` (as `kind`) and the `attributes` as their own fields, and `raw` keeps the
document item as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

import attrs

from ._base import Model, as_bool, as_str, as_tuple, parse_datetime, wire

__all__ = ["ServiceAgreement", "UsageNotification", "UsageReport"]

J = TypeVar("J", bound="_JsonApiModel")

REPORT_PENDING_STATES = frozenset({"pending", "processing", "in_progress", "queued", "requested"})


def _mapping(value: Any) -> Mapping[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _date(value: Any) -> date | None:
    parsed = parse_datetime(value)
    return None if parsed is None else parsed.date()


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in as_tuple(value))


@attrs.frozen(kw_only=True)
class _JsonApiModel(Model):
    id: str | None = wire(convert=as_str)
    kind: str | None = wire("type", convert=as_str)

    @classmethod
    def from_jsonapi(cls: type[J], item: Any) -> J:
        """Build from one JSON:API resource object (its `attributes` flattened in)."""
        if not isinstance(item, Mapping):
            return cls.from_api(item)
        attributes = item.get("attributes")
        flat = {**(attributes if isinstance(attributes, Mapping) else {}), **item}
        flat.pop("attributes", None)
        return attrs.evolve(cls.from_api(flat), raw=item)

    @classmethod
    def from_document(cls: type[J], body: Any) -> J:
        """The single resource of a `{"data": {...}}` document."""
        data = body.get("data") if isinstance(body, Mapping) else body
        return cls.from_jsonapi(data)

    @classmethod
    def list_from_document(cls: type[J], body: Any) -> list[J]:
        """The resources of a `{"data": [...]}` document."""
        data = body.get("data") if isinstance(body, Mapping) else body
        return [cls.from_jsonapi(item) for item in as_tuple(data)]


@attrs.frozen(kw_only=True)
class ServiceAgreement(_JsonApiModel):
    """A billing plan (sandbox, growth, enterprise) and this period's usage against it.

    Attributes:
        id: the agreement's id.
        kind: the JSON:API type, `service_agreement` (wire key `type`).
        name: the plan's name.
        owner_id: the user or organization on the plan.
        owner_type: `User` or `Organization`.
        agreement_type: `developer`, `growth`, `enterprise`, ...
        duration: the billing period length (`monthly`, `annual`).
        state: `active`, or another state of the agreement.
        starts_on: when the agreement started.
        ends_on: when it ends, if it does.
        current_billing_period_start: first day of the current period.
        current_billing_period_end: last day of the current period.
        next_billing_period_start: first day of the next period.
        current_usage_summary: this period's use (devices, data operations, cellular MB, ...).
        pricing_terms: the plan's limits and prices, as sent.
    """

    name: str | None = wire(convert=as_str)
    owner_id: str | None = wire(convert=as_str)
    owner_type: str | None = wire(convert=as_str)
    agreement_type: str | None = wire(convert=as_str)
    duration: str | None = wire(convert=as_str)
    state: str | None = wire(convert=as_str)
    starts_on: date | None = wire(convert=_date)
    ends_on: date | None = wire(convert=_date)
    current_billing_period_start: date | None = wire(convert=_date)
    current_billing_period_end: date | None = wire(convert=_date)
    next_billing_period_start: date | None = wire(convert=_date)
    current_usage_summary: Mapping[str, Any] = wire(convert=_mapping, factory=dict)
    pricing_terms: Mapping[str, Any] = wire(convert=_mapping, factory=dict)

    @property
    def device_limit_reached(self) -> bool:
        """Whether the agreement's device limit is reached (new devices are refused)."""
        return as_bool(self.current_usage_summary.get("device_limit_reached"))


@attrs.frozen(kw_only=True)
class UsageReport(_JsonApiModel):
    """A usage report built asynchronously; `download_url` appears once it is `available`.

    Attributes:
        id: the report's id.
        kind: the JSON:API type (wire key `type`).
        state: `pending`, then `available` (or `failed`).
        service_agreement_id: the agreement it reports on.
        report_type: `devices` or `products`.
        date_period_start: the first day covered.
        date_period_end: the last day covered.
        created_at: when it was requested.
        expires_at: when the download link stops working.
        report_params: the parameters it was requested with.
        download_url: where to download it, once available.
    """

    state: str | None = wire(convert=as_str)
    service_agreement_id: str | None = wire(convert=as_str)
    report_type: str | None = wire(convert=as_str)
    date_period_start: date | None = wire(convert=_date)
    date_period_end: date | None = wire(convert=_date)
    created_at: datetime | None = wire(convert=parse_datetime)
    expires_at: datetime | None = wire(convert=parse_datetime)
    report_params: Mapping[str, Any] = wire(convert=_mapping, factory=dict)
    download_url: str | None = wire(convert=as_str)

    @property
    def is_available(self) -> bool:
        """Whether the report is ready to download (`download_url` set)."""
        return self.state == "available" or self.download_url is not None

    @property
    def is_pending(self) -> bool:
        """Still being built (any state the API uses before `available` or a failure)."""
        return not self.is_available and (self.state or "pending") in REPORT_PENDING_STATES


@attrs.frozen(kw_only=True)
class UsageNotification(_JsonApiModel):
    """A usage notice: a threshold reached (70/90/100 %), service paused or unpaused.

    Attributes:
        id: the notice's id.
        kind: the JSON:API type (wire key `type`).
        state: its state.
        event_name: what happened: a threshold reached, service paused or unpaused.
        time_period: the billing period it is about.
        created_at: when it was sent.
        updated_at: when it last changed.
        resource_id: the agreement (or other resource) it is about.
        resource_type: that resource's type.
        details: the notice's details (threshold, usage), as sent.
    """

    state: str | None = wire(convert=as_str)
    event_name: str | None = wire(convert=as_str)
    time_period: str | None = wire(convert=as_str)
    created_at: datetime | None = wire(convert=parse_datetime)
    updated_at: datetime | None = wire(convert=parse_datetime)
    resource_id: str | None = wire(convert=as_str)
    resource_type: str | None = wire(convert=as_str)
    details: Mapping[str, Any] = wire(convert=_mapping, factory=dict)
