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
    """A SIM card. The docs name its ICCID `_id`, the SDK types `iccid`: both fill `iccid`.

    Attributes:
        iccid: the SIM's ICCID (its id).
        status: `active`, `inactive`, `never_before_activated`, ...
        carrier: the carrier (`Telefonica`, `Kore`, `EtherSIM`, ...).
        base_country_code: the home country of the SIM's plan.
        msisdn: the SIM's phone number.
        mb_limit: the monthly data limit in MB, if one is set.
        activations_count: how many times it was activated.
        deactivations_count: how many times it was deactivated.
        first_activated_on: when it was first activated.
        last_activated_on: when it was last activated.
        activated_on: when it was activated (older answers).
        last_status_change_action: the last action taken (`activate`, `deactivate`, ...).
        last_status_change_action_error: whether (or why) that action failed.
        updated_at: when the SIM record last changed.
        user_id: the owning user.
        product_id: the owning product.
        owner: the owner's name.
        device_id: the device the SIM is in now.
        device_name: that device's name.
        last_device_id: the device it was last seen in.
        last_device_name: that device's name.
    """

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
        """Parse a SIM; product listings name the ICCID `_id`, which lands in `iccid`."""
        if isinstance(data, Mapping) and "iccid" not in data and "_id" in data:
            return attrs.evolve(super().from_api({**data, "iccid": data["_id"]}), raw=data)
        return super().from_api(data)

    @property
    def is_active(self) -> bool:
        """Whether the SIM is active (may connect, and is billed)."""
        return self.status == "active"


@attrs.frozen(kw_only=True)
class UsageDay(Model):
    """One day of cellular data use, in megabytes.

    Attributes:
        day: the date (wire key `date`).
        mbs_used: megabytes used that day.
        mbs_used_cumulative: megabytes used this period up to and including that day.
    """

    day: date | None = wire("date", convert=_date)
    mbs_used: float = wire(convert=lambda v: as_float(v) or 0.0, default=0.0)
    mbs_used_cumulative: float = wire(convert=lambda v: as_float(v) or 0.0, default=0.0)


def _days(value: Any) -> tuple[UsageDay, ...]:
    return tuple(UsageDay.from_api(day) for day in as_tuple(value))


@attrs.frozen(kw_only=True)
class SimDataUsage(Model):
    """One SIM's data use this billing period, day by day (may lag up to an hour).

    Attributes:
        iccid: the SIM.
        usage_by_day: the use per day.
        quota: the period's data quota in MB.
        used: the megabytes used this period.
    """

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
    """A product fleet's data use this billing period (may lag by days).

    Attributes:
        total_mbs_used: megabytes used by the whole fleet this period.
        total_active_sim_cards: how many SIMs are active.
        usage_by_day: the use per day.
    """

    total_mbs_used: float | None = wire(convert=as_float)
    total_active_sim_cards: int | None = wire(convert=as_int)
    usage_by_day: tuple[UsageDay, ...] = wire(convert=_days, factory=tuple)


@attrs.frozen(kw_only=True)
class SimRelease(Model):
    """`DELETE /v1/sims/:iccid`: released at once (204) or still `pending` (202).

    Attributes:
        pending: the API answered 202: the release completes in the background.
    """

    pending: bool = wire(convert=as_bool, default=False)


@attrs.frozen(kw_only=True)
class SimStatus(Model):
    """`GET /v1/sims/:iccid/status`: a cellular-network check run as an async task.

    While `state` is `pending` the `sim_status` values are None; poll again after
    `check_again_after` (`cloud.sims.wait_for_status` does that for you).

    Attributes:
        ok: the request was accepted.
        meta: the check task: `state`, `task_id`, `check_again_after`, `expires_at`.
        sim_status: the result once complete: `connected`, `gsm_connection`, `data_connection`.
    """

    ok: bool = wire(convert=as_bool, default=True)
    meta: Mapping[str, Any] = wire(convert=_mapping, factory=dict)
    sim_status: Mapping[str, Any] = wire(convert=_mapping, factory=dict)

    @property
    def state(self) -> str | None:
        """The check's state: `pending` or `complete`."""
        return as_str(self.meta.get("state"))

    @property
    def is_complete(self) -> bool:
        """Whether the check is done and `sim_status` is filled."""
        return self.state == "complete"

    @property
    def task_id(self) -> str | None:
        """The id of the status-check task the cloud runs."""
        return as_str(self.meta.get("task_id"))

    @property
    def check_again_after(self) -> datetime | None:
        """When to poll again while the check is pending."""
        return parse_datetime(self.meta.get("check_again_after"))

    @property
    def expires_at(self) -> datetime | None:
        """When this check's result expires."""
        return parse_datetime(self.meta.get("expires_at"))

    @property
    def connected(self) -> bool | None:
        """A data session with a tower is up (GSM and data both connected)."""
        return _maybe_bool(self.sim_status.get("connected"))

    @property
    def gsm_connection(self) -> bool | None:
        """The SIM is registered with a tower (None until the check completes)."""
        return _maybe_bool(self.sim_status.get("gsm_connection"))

    @property
    def data_connection(self) -> bool | None:
        """A data session is up (None until the check completes)."""
        return _maybe_bool(self.sim_status.get("data_connection"))
