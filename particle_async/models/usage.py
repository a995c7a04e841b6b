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
    """A billing plan (sandbox, growth, enterprise) and this period's usage against it."""

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
        return as_bool(self.current_usage_summary.get("device_limit_reached"))


@attrs.frozen(kw_only=True)
class UsageReport(_JsonApiModel):
    """A usage report built asynchronously; `download_url` appears once it is `available`."""

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
        return self.state == "available" or self.download_url is not None

    @property
    def is_pending(self) -> bool:
        """Still being built (any state the API uses before `available` or a failure)."""
        return not self.is_available and (self.state or "pending") in REPORT_PENDING_STATES


@attrs.frozen(kw_only=True)
class UsageNotification(_JsonApiModel):
    """A usage notice: a threshold reached (70/90/100 %), service paused or unpaused."""

    state: str | None = wire(convert=as_str)
    event_name: str | None = wire(convert=as_str)
    time_period: str | None = wire(convert=as_str)
    created_at: datetime | None = wire(convert=parse_datetime)
    updated_at: datetime | None = wire(convert=parse_datetime)
    resource_id: str | None = wire(convert=as_str)
    resource_type: str | None = wire(convert=as_str)
    details: Mapping[str, Any] = wire(convert=_mapping, factory=dict)
