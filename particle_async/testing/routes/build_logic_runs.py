"""Logic runs: listing a function's runs, one run, its logs and the daily statistics.

Runs come from `build_logic`, which turns published events into runs of the functions
whose Event triggers match them; every route here collects new ones first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._state import iso_ms
from .._wire import Ctx, fail, json_response
from .build_ledger import owner_routes
from .build_logic import FUNCTION, Function, Run, collect_runs, counts, owner_id, resolve_function

RUN = FUNCTION + "/runs/{runId}"


def run_view(fn: Function, run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "owner_id": owner_id(fn.owner),
        "logic_function_id": fn.id,
        "logic_trigger_type": run.trigger_type,
        "logic_trigger_id": run.trigger_id,
        "status": run.status,
        "started_at": iso_ms(run.started_at),
        "finished_at": iso_ms(run.started_at + timedelta(milliseconds=12)),
        "log_filename": f"{owner_id(fn.owner)}/function-{fn.id}/{run.trigger_type}-"
        f"{run.trigger_id}/{run.id}.json",
    }


def _run(ctx: Ctx) -> tuple[Function, Run]:
    fn = resolve_function(ctx)
    collect_runs(ctx)
    run = next((r for r in fn.runs if r.id == ctx.path("runId")), None)
    if run is None:
        raise fail(404, f"Logic run {ctx.path('runId')} not found")
    return fn, run


async def list_runs(ctx: Ctx) -> Response:
    fn = resolve_function(ctx)
    collect_runs(ctx)
    with ctx.state.lock:
        return json_response({"logic_runs": [run_view(fn, r) for r in fn.runs]})


async def get_run(ctx: Ctx) -> Response:
    fn, run = _run(ctx)
    return json_response({"logic_run": run_view(fn, run)})


async def get_run_logs(ctx: Ctx) -> Response:
    """`{logic_run_logs: {logs}}`, as the docs show it."""
    _, run = _run(ctx)
    return json_response({"logic_run_logs": {"logs": list(run.logs)}})


async def get_stats(ctx: Ctx) -> Response:
    """`{logic_function_stats: [{date: YYYYMMDD, success, failure, timeout}]}`, by day."""
    fn = resolve_function(ctx)
    collect_runs(ctx)
    with ctx.state.lock:
        days = sorted({r.started_at.date() for r in fn.runs})
        stats = [
            {
                "date": day.strftime("%Y%m%d"),
                **counts([r for r in fn.runs if r.started_at.date() == day]),
            }
            for day in days
        ]
    return json_response({"logic_function_stats": stats})


routes: list[Route] = [
    *owner_routes(FUNCTION + "/runs", list_runs, "GET"),
    *owner_routes(FUNCTION + "/stats", get_stats, "GET"),
    *owner_routes(RUN, get_run, "GET"),
    *owner_routes(RUN + "/logs", get_run_logs, "GET"),
]
