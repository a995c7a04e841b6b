"""Models of SIM cards: a SIM, its data usage, the fleet's, and the cellular status task."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_float, as_int, as_str, as_tuple, parse_datetime, wire

__all__ = ["FleetDataUsage", "Sim", "SimDataUsage", "SimRelease", "SimStatus", "UsageDay"]


def _mapping(value: Any) -> Mapping[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _date(value: Any) -> date | None:
    parsed = parse_datetime(value)
    return None if parsed is None else parsed.date()


def _maybe_bool(value: Any) -> bool | None:
    return None if value is None else as_bool(value)


@attrs.frozen(kw_only=True)
class Sim(Model):
    """A SIM card. The docs name its ICCID `_id`, the SDK types `iccid`: both fill `iccid`."""

    iccid: str = wire(convert=str, default="")
    status: str | None = wire(convert=as_str)
    carrier: str | None = wire(convert=as_str)
    base_country_code: str | None = wire(convert=as_str)
    msisdn: str | None = wire(convert=as_str)
    mb_limit: int | None = wire(convert=as_int)
    activations_count: int | None = wire(convert=as_int)
    deactivations_count: int | None = wire(convert=as_int)
    first_activated_on: datetime | None = wire(convert=parse_datetime)
    last_activated_on: datetime | None = wire(convert=parse_datetime)
    activated_on: datetime | None = wire(convert=parse_datetime)
    last_status_change_action: str | None = wire(convert=as_str)
    last_status_change_action_error: str | None = wire(convert=as_str)
    updated_at: datetime | None = wire(convert=parse_datetime)
    user_id: str | None = wire(convert=as_str)
    product_id: int | None = wire(convert=as_int)
    owner: str | None = wire(convert=as_str)
    device_id: str | None = wire(convert=as_str)
    device_name: str | None = wire(convert=as_str)
    last_device_id: str | None = wire(convert=as_str)
    last_device_name: str | None = wire(convert=as_str)

    @classmethod
    def from_api(cls, data: Any) -> Sim:
        if isinstance(data, Mapping) and "iccid" not in data and "_id" in data:
            return attrs.evolve(super().from_api({**data, "iccid": data["_id"]}), raw=data)
        return super().from_api(data)

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@attrs.frozen(kw_only=True)
class UsageDay(Model):
    """One day of cellular data use, in megabytes."""

    day: date | None = wire("date", convert=_date)
    mbs_used: float = wire(convert=lambda v: as_float(v) or 0.0, default=0.0)
    mbs_used_cumulative: float = wire(convert=lambda v: as_float(v) or 0.0, default=0.0)


def _days(value: Any) -> tuple[UsageDay, ...]:
    return tuple(UsageDay.from_api(day) for day in as_tuple(value))


@attrs.frozen(kw_only=True)
class SimDataUsage(Model):
    """One SIM's data use this billing period, day by day (may lag up to an hour)."""

    iccid: str | None = wire(convert=as_str)
    usage_by_day: tuple[UsageDay, ...] = wire(convert=_days, factory=tuple)
    quota: float | None = wire(convert=as_float)
    used: float | None = wire(convert=as_float)

    @property
    def total_mbs(self) -> float:
        """Megabytes used so far this period (the last cumulative value)."""
        if self.usage_by_day:
            return self.usage_by_day[-1].mbs_used_cumulative
        return self.used or 0.0


@attrs.frozen(kw_only=True)
class FleetDataUsage(Model):
    """A product fleet's data use this billing period (may lag by days)."""

    total_mbs_used: float | None = wire(convert=as_float)
    total_active_sim_cards: int | None = wire(convert=as_int)
    usage_by_day: tuple[UsageDay, ...] = wire(convert=_days, factory=tuple)


@attrs.frozen(kw_only=True)
class SimRelease(Model):
    """`DELETE /v1/sims/:iccid`: released at once (204) or still `pending` (202)."""

    pending: bool = wire(convert=as_bool, default=False)


@attrs.frozen(kw_only=True)
class SimStatus(Model):
    """`GET /v1/sims/:iccid/status`: a cellular-network check run as an async task.

    While `state` is `pending` the `sim_status` values are None; poll again after
    `check_again_after` (`cloud.sims.wait_for_status` does that for you).
    """

    ok: bool = wire(convert=as_bool, default=True)
    meta: Mapping[str, Any] = wire(convert=_mapping, factory=dict)
    sim_status: Mapping[str, Any] = wire(convert=_mapping, factory=dict)

    @property
    def state(self) -> str | None:
        return as_str(self.meta.get("state"))

    @property
    def is_complete(self) -> bool:
        return self.state == "complete"

    @property
    def task_id(self) -> str | None:
        return as_str(self.meta.get("task_id"))

    @property
    def check_again_after(self) -> datetime | None:
        return parse_datetime(self.meta.get("check_again_after"))

    @property
    def expires_at(self) -> datetime | None:
        return parse_datetime(self.meta.get("expires_at"))

    @property
    def connected(self) -> bool | None:
        """A data session with a tower is up (GSM and data both connected)."""
        return _maybe_bool(self.sim_status.get("connected"))

    @property
    def gsm_connection(self) -> bool | None:
        return _maybe_bool(self.sim_status.get("gsm_connection"))

    @property
    def data_connection(self) -> bool | None:
        return _maybe_bool(self.sim_status.get("data_connection"))
