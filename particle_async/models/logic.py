"""Models of Logic: functions, their triggers, runs, run logs and statistics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, as_tuple, parse_datetime, wire

__all__ = [
    "LogicCounts",
    "LogicDailyStats",
    "LogicExecution",
    "LogicFunction",
    "LogicLogEntry",
    "LogicRun",
    "LogicStats",
    "LogicTrigger",
]


def _count(value: Any) -> int:
    return as_int(value) or 0


@attrs.frozen(kw_only=True)
class LogicCounts(Model):
    """Success, failure and timeout counts (a function's `today_stats`)."""

    success: int = wire(convert=_count, default=0)
    failure: int = wire(convert=_count, default=0)
    timeout: int = wire(convert=_count, default=0)


@attrs.frozen(kw_only=True)
class LogicTrigger(Model):
    """What runs a logic function: an `Event` (name prefix, product) or a `Scheduled` cron."""

    id: str | None = wire(convert=as_str)
    type: str | None = wire(convert=as_str)
    logic_function_id: str | None = wire(convert=as_str)
    enabled: bool = wire(convert=as_bool, default=True)
    version: int | None = wire(convert=as_int)
    event_name: str | None = wire(convert=as_str)
    product_id: int | None = wire(convert=as_int)
    cron: str | None = wire(convert=as_str)
    start_at: datetime | None = wire(convert=parse_datetime)
    end_at: datetime | None = wire(convert=parse_datetime)
    last_scheduled_at: datetime | None = wire(convert=parse_datetime)
    next_unscheduled_at: datetime | None = wire(convert=parse_datetime)


def _code(source: Any) -> str | None:
    return as_str(source.get("code")) if isinstance(source, Mapping) else None


@attrs.frozen(kw_only=True)
class LogicFunction(Model):
    """A saved logic function: its JavaScript source, triggers, and (on request) today's stats."""

    id: str = wire(convert=str, default="")
    name: str | None = wire(convert=as_str)
    description: str | None = wire(convert=as_str)
    enabled: bool = wire(convert=as_bool, default=True)
    version: int | None = wire(convert=as_int)
    owner_id: str | None = wire(convert=as_str)
    org_slug: str | None = wire(convert=as_str)
    template_slug: str | None = wire(convert=as_str)
    code: str | None = wire("source", convert=_code, repr=False)
    triggers: tuple[LogicTrigger, ...] = wire(
        "logic_triggers", convert=lambda v: tuple(LogicTrigger.list_from_api(v)), factory=tuple
    )
    today_stats: LogicCounts | None = wire(
        convert=lambda v: LogicCounts.from_api(v) if isinstance(v, Mapping) else None
    )
    api_username: str | None = wire(convert=as_str)
    created_at: datetime | None = wire(convert=parse_datetime)
    updated_at: datetime | None = wire(convert=parse_datetime)
    created_by: str | None = wire(convert=as_str)
    updated_by: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class LogicRun(Model):
    """One run of a logic function: what triggered it and how it ended."""

    id: str = wire(convert=str, default="")
    logic_function_id: str | None = wire(convert=as_str)
    logic_trigger_id: str | None = wire(convert=as_str)
    logic_trigger_type: str | None = wire(convert=as_str)
    owner_id: str | None = wire(convert=as_str)
    status: str | None = wire(convert=as_str)
    started_at: datetime | None = wire(convert=parse_datetime)
    finished_at: datetime | None = wire(convert=parse_datetime)
    log_filename: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class LogicLogEntry(Model):
    """One `console.log`-style line from a run: level, time, and the logged arguments."""

    level: str | None = wire(convert=as_str)
    timestamp: datetime | None = wire(convert=parse_datetime)
    args: tuple[Any, ...] = wire(convert=as_tuple, factory=tuple)


@attrs.frozen(kw_only=True)
class LogicExecution(Model):
    """The outcome of `execute` (`{result: {status, logs}}`), flattened."""

    status: str | None = wire("result", convert=lambda r: as_str((r or {}).get("status")))
    logs: tuple[LogicLogEntry, ...] = wire(
        "result",
        convert=lambda r: tuple(LogicLogEntry.list_from_api((r or {}).get("logs"))),
        factory=tuple,
    )
    result: Mapping[str, Any] = wire(
        convert=lambda v: dict(v) if isinstance(v, Mapping) else {}, factory=dict, repr=False
    )

    @property
    def succeeded(self) -> bool:
        return self.status == "Success"


@attrs.frozen(kw_only=True)
class LogicDailyStats(Model):
    """Counts for one day of a logic function's runs."""

    date: str | None = wire(convert=as_str)
    success: int = wire(convert=_count, default=0)
    failure: int = wire(convert=_count, default=0)
    timeout: int = wire(convert=_count, default=0)


def _days(body: Any) -> tuple[LogicDailyStats, ...]:
    """The daily entries, wherever the body keeps them (a bare list or the first list inside)."""
    if isinstance(body, list):
        return tuple(LogicDailyStats.list_from_api(x for x in body if isinstance(x, Mapping)))
    if isinstance(body, Mapping):
        for value in body.values():
            found = _days(value)
            if found:
                return found
    return ()


@attrs.frozen(kw_only=True)
class LogicStats(Model):
    """A logic function's daily success/failure/timeout counts (`.../stats`)."""

    days: tuple[LogicDailyStats, ...] = attrs.field(factory=tuple)

    @classmethod
    def from_api(cls, data: Any) -> LogicStats:
        raw = data if isinstance(data, Mapping) else {"value": data}
        return cls(raw=raw, days=_days(data))

    @property
    def totals(self) -> LogicCounts:
        return LogicCounts(
            success=sum(d.success for d in self.days),
            failure=sum(d.failure for d in self.days),
            timeout=sum(d.timeout for d in self.days),
        )
