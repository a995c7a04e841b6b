"""`cloud.logic`: run JavaScript in the cloud once, or save it as a triggered logic function.

Every call works in your sandbox by default, or in an organization with `org=` (id or slug);
the docs also show a product form, reachable with `product=`.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from ..models.logic import (
    LogicExecution,
    LogicFunction,
    LogicLogEntry,
    LogicRun,
    LogicStats,
)
from ._base import ProductId, Resource, drop_none, ok, unwrap
from .ledger import owner_path

__all__ = ["Logic"]


def _source(code: str | None) -> dict[str, str] | None:
    return None if code is None else {"type": "JavaScript", "code": code}


def _triggers(triggers: Iterable[Mapping[str, Any]] | None) -> builtins.list[Any] | None:
    return None if triggers is None else [dict(t) for t in triggers]


def _function_body(
    name: str | None,
    code: str | None,
    description: str | None,
    enabled: bool | None,
    triggers: Iterable[Mapping[str, Any]] | None,
    api_username: str | None,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    """The `logic_function` object of a create or update, without the fields not given."""
    return drop_none(
        {
            "name": name,
            "description": description,
            "enabled": enabled,
            "source": _source(code),
            "logic_triggers": _triggers(triggers),
            "api_username": api_username,
            **fields,
        }
    )


def _no_new_triggers(function: Mapping[str, Any]) -> bool:
    """Whether an update may be re-sent: a trigger without an `id` is created by the PUT,
    so sending it twice would leave two."""
    triggers = function.get("logic_triggers") or []
    return all(isinstance(t, Mapping) and "id" in t for t in triggers)


class Logic(Resource):
    """Logic functions, their runs and logs."""

    async def execute(
        self,
        code: str,
        *,
        event: Mapping[str, Any] | None = None,
        api_username: str | None = None,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> LogicExecution:
        """Run `code` once without saving it. Its side effects (publishes, ...) are real.

        Endpoint: `POST /v1/logic/execute` (or `/v1/orgs/:org/logic/execute`).

        `event` is the test event it sees: `event_name`, `event_data`, `device_id`,
        `product_id`. Never re-sent blindly.
        """
        body = drop_none(
            {
                "source": _source(code),
                "event": None if event is None else dict(event),
                "api_username": api_username,
            }
        )
        answer = await self._transport.request(
            "POST", owner_path(org, product, "logic/execute"), json_body=body
        )
        return LogicExecution.from_api(answer)

    async def create(
        self,
        name: str,
        code: str,
        *,
        description: str | None = None,
        enabled: bool | None = None,
        triggers: Iterable[Mapping[str, Any]] | None = None,
        api_username: str | None = None,
        org: str | None = None,
        product: ProductId | None = None,
        **fields: Any,
    ) -> LogicFunction:
        """Save a logic function (`201`); its triggers go live at once.

        Endpoint: `POST /v1/logic/functions` (or `/v1/orgs/:org/logic/functions`).

        A trigger is `{"type": "Event", "event_name": ..., "product_id": ...}` or
        `{"type": "Scheduled", "cron": ..., "start_at": ...}`.
        """
        function = _function_body(name, code, description, enabled, triggers, api_username, fields)
        answer = await self._transport.request(
            "POST",
            owner_path(org, product, "logic/functions"),
            json_body={"logic_function": function},
        )
        return LogicFunction.from_api(unwrap(answer, "logic_function"))

    async def get(
        self, function_id: str, *, org: str | None = None, product: ProductId | None = None
    ) -> LogicFunction:
        """One logic function.

        Endpoint: `GET /v1/logic/functions/:logicFunctionId` (or
        `/v1/orgs/:org/logic/functions/:logicFunctionId`).
        """
        answer = await self._transport.request(
            "GET", owner_path(org, product, "logic/functions/{}", function_id)
        )
        return LogicFunction.from_api(unwrap(answer, "logic_function"))

    async def update(
        self,
        function_id: str,
        *,
        name: str | None = None,
        code: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        triggers: Iterable[Mapping[str, Any]] | None = None,
        api_username: str | None = None,
        org: str | None = None,
        product: ProductId | None = None,
        **fields: Any,
    ) -> LogicFunction:
        """Change a logic function; a trigger that carries its `id` is updated in place.

        Endpoint: `PUT /v1/logic/functions/:logicFunctionId` (or
        `/v1/orgs/:org/logic/functions/:logicFunctionId`).
        """
        function = _function_body(name, code, description, enabled, triggers, api_username, fields)
        answer = await self._transport.request(
            "PUT",
            owner_path(org, product, "logic/functions/{}", function_id),
            json_body={"logic_function": function},
            idempotent=_no_new_triggers(function),
        )
        return LogicFunction.from_api(unwrap(answer, "logic_function"))

    async def delete(
        self, function_id: str, *, org: str | None = None, product: ProductId | None = None
    ) -> bool:
        """Delete a logic function and its triggers (`204 No Content`).

        Endpoint: `DELETE /v1/logic/functions/:logicFunctionId` (or
        `/v1/orgs/:org/logic/functions/:logicFunctionId`).
        """
        answer = await self._transport.request(
            "DELETE", owner_path(org, product, "logic/functions/{}", function_id), idempotent=True
        )
        return ok(answer)

    async def list(
        self,
        *,
        today_stats: bool | None = None,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> builtins.list[LogicFunction]:
        """Every logic function; `today_stats=True` adds today's run counts to each.

        Endpoint: `GET /v1/logic/functions` (or `/v1/orgs/:org/logic/functions`).
        """
        answer = await self._transport.request(
            "GET",
            owner_path(org, product, "logic/functions"),
            params={"today_stats": today_stats},
        )
        return LogicFunction.list_from_api(unwrap(answer, "logic_functions"))

    async def list_runs(
        self, function_id: str, *, org: str | None = None, product: ProductId | None = None
    ) -> builtins.list[LogicRun]:
        """The recent runs of a logic function.

        Endpoint: `GET /v1/logic/functions/:logicFunctionId/runs` (or
        `/v1/orgs/:org/logic/functions/:logicFunctionId/runs`).
        """
        answer = await self._transport.request(
            "GET", owner_path(org, product, "logic/functions/{}/runs", function_id)
        )
        return LogicRun.list_from_api(unwrap(answer, "logic_runs"))

    async def get_run(
        self,
        function_id: str,
        run_id: str,
        *,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> LogicRun:
        """One run of a logic function.

        Endpoint: `GET /v1/logic/functions/:logicFunctionId/runs/:logicRunId` (or
        `/v1/orgs/:org/logic/functions/:logicFunctionId/runs/:logicRunId`).
        """
        answer = await self._transport.request(
            "GET", owner_path(org, product, "logic/functions/{}/runs/{}", function_id, run_id)
        )
        return LogicRun.from_api(unwrap(answer, "logic_run"))

    async def get_run_logs(
        self,
        function_id: str,
        run_id: str,
        *,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> builtins.list[LogicLogEntry]:
        """The log lines of one run (`{logs}`, or `{logic_run_logs: {logs}}` as the docs show).

        Endpoint: `GET /v1/logic/functions/:logicFunctionId/runs/:logicRunId/logs` (or
        `/v1/orgs/:org/logic/functions/:logicFunctionId/runs/:logicRunId/logs`).
        """
        answer = await self._transport.request(
            "GET",
            owner_path(org, product, "logic/functions/{}/runs/{}/logs", function_id, run_id),
        )
        logs = unwrap(unwrap(answer, "logic_run_logs"), "logs")
        return LogicLogEntry.list_from_api(logs if isinstance(logs, builtins.list) else [])

    async def stats(
        self, function_id: str, *, org: str | None = None, product: ProductId | None = None
    ) -> LogicStats:
        """Daily success/failure/timeout counts of a logic function.

        Endpoint: `GET /v1/logic/functions/:logicFunctionId/stats` (or
        `/v1/orgs/:org/logic/functions/:logicFunctionId/stats`).
        """
        answer = await self._transport.request(
            "GET", owner_path(org, product, "logic/functions/{}/stats", function_id)
        )
        return LogicStats.from_api(answer)
