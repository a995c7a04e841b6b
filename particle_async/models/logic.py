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
    """Success, failure and timeout counts (a function's `today_stats`).

    Attributes:
        success: runs that succeeded.
        failure: runs that failed.
        timeout: runs that ran out of time.
    """

    success: int = wire(convert=_count, default=0)
    failure: int = wire(convert=_count, default=0)
    timeout: int = wire(convert=_count, default=0)


@attrs.frozen(kw_only=True)
class LogicTrigger(Model):
    """What runs a logic function: an `Event` (name prefix, product) or a `Scheduled` cron.

    Attributes:
        id: the trigger's id (send it back to update the trigger in place).
        type: `Event` or `Scheduled`.
        logic_function_id: the function it runs.
        enabled: it fires.
        version: its version.
        event_name: the event-name prefix that fires it (`Event`).
        product_id: only events of this product fire it (`Event`).
        cron: when it fires (`Scheduled`), in cron syntax.
        start_at: when a schedule starts.
        end_at: when a schedule ends.
        last_scheduled_at: when it last fired.
        next_unscheduled_at: the next time it will fire.
    """

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
    """A saved logic function: its JavaScript source, triggers, and (on request) today's stats.

    Attributes:
        id: the function's id.
        name: its name.
        description: free-form description.
        enabled: it runs when triggered.
        version: its version, increased on each update.
        owner_id: the owning user or organization.
        org_slug: the owning organization's slug, if any.
        template_slug: the template it was made from, if any.
        code: its JavaScript source (from `source.code`).
        triggers: what runs it (wire key `logic_triggers`).
        today_stats: today's run counts, when listed with `today_stats=True`.
        api_username: the API user whose token the code runs with, if any.
        created_at: when it was created.
        updated_at: when it last changed.
        created_by: who created it.
        updated_by: who last changed it.
    """

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
    """One run of a logic function: what triggered it and how it ended.

    Attributes:
        id: the run's id.
        logic_function_id: the function that ran.
        logic_trigger_id: the trigger that started it.
        logic_trigger_type: `Event` or `Scheduled`.
        owner_id: the owning user or organization.
        status: `Success`, `Exception` or `Timeout`.
        started_at: when it started.
        finished_at: when it ended.
        log_filename: the name of its log file.
    """

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
    """One `console.log`-style line from a run: level, time, and the logged arguments.

    Attributes:
        level: `log`, `info`, `warn` or `error`.
        timestamp: when it was logged.
        args: the values passed to the logging call.
    """

    level: str | None = wire(convert=as_str)
    timestamp: datetime | None = wire(convert=parse_datetime)
    args: tuple[Any, ...] = wire(convert=as_tuple, factory=tuple)


@attrs.frozen(kw_only=True)
class LogicExecution(Model):
    """The outcome of `execute` (`{result: {status, logs}}`), flattened.

    Attributes:
        status: `Success`, `Exception` or `Timeout` (from `result.status`).
        logs: what the code logged (from `result.logs`).
        result: the whole `result` object as sent.
    """

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
        """Whether the code ran to the end (`status == "Success"`)."""
        return self.status == "Success"


@attrs.frozen(kw_only=True)
class LogicDailyStats(Model):
    """Counts for one day of a logic function's runs.

    Attributes:
        date: the day, as the API writes it (`YYYY-MM-DD`).
        success: runs that succeeded that day.
        failure: runs that failed that day.
        timeout: runs that ran out of time that day.
    """

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
    """A logic function's daily success/failure/timeout counts (`.../stats`).

    Attributes:
        days: one entry per day, oldest first.
    """

    days: tuple[LogicDailyStats, ...] = attrs.field(factory=tuple)

    @classmethod
    def from_api(cls, data: Any) -> LogicStats:
        """Parse the stats answer, whichever key wraps its list of days."""
        raw = data if isinstance(data, Mapping) else {"value": data}
        return cls(raw=raw, days=_days(data))

    @property
    def totals(self) -> LogicCounts:
        """Successes, failures and timeouts summed over every day."""
        return LogicCounts(
            success=sum(d.success for d in self.days),
            failure=sum(d.failure for d in self.days),
            timeout=sum(d.timeout for d in self.days),
        )
