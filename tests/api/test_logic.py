"""`cloud.logic`: executing, functions, runs, logs and stats, in every owner scope."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.logic import (
    LogicExecution,
    LogicFunction,
    LogicLogEntry,
    LogicRun,
    LogicStats,
)

from ..helpers import json_of

pytestmark = pytest.mark.anyio

# (keyword arguments, path prefix) for each owner scope of ledger and logic
OWNERS = [
    ({}, "/v1"),
    ({"org": "my-org"}, "/v1/orgs/my-org"),
    ({"product": 1234}, "/v1/products/1234"),
    ({"product": "my-product-v1"}, "/v1/products/my-product-v1"),
]


FUNCTION = {
    "id": "lf1",
    "owner_id": "u1",
    "version": 2,
    "enabled": True,
    "name": "double",
    "description": "doubles",
    "template_slug": None,
    "source": {"type": "JavaScript", "code": "export default function main() {}"},
    "created_at": "2024-06-01T00:00:00Z",
    "updated_at": "2024-06-01T00:00:00Z",
    "created_by": "u1",
    "updated_by": "u1",
    "logic_triggers": [
        {
            "id": "t1",
            "type": "Event",
            "logic_function_id": "lf1",
            "enabled": True,
            "event_name": "temp",
            "product_id": 1234,
        }
    ],
    "today_stats": {"success": 3, "failure": 1, "timeout": 0},
}
RUN = {
    "id": "run1",
    "logic_function_id": "lf1",
    "logic_trigger_type": "Event",
    "logic_trigger_id": "t1",
    "status": "Success",
    "started_at": "2024-06-01T00:00:00Z",
    "finished_at": "2024-06-01T00:00:01Z",
    "log_filename": "run1.log",
}


@pytest.mark.parametrize(("scope", "prefix"), OWNERS)
async def test_execute_logic(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    route = router.post(f"{prefix}/logic/execute").respond(
        json={
            "result": {
                "status": "Success",
                "logs": [{"level": "Info", "timestamp": "2024-06-01T00:00:00Z", "args": ["hi", 1]}],
            }
        }
    )
    result = await cloud.logic.execute(
        "export default function main() {}",
        event={"event_name": "temp", "event_data": "21"},
        api_username="api-user",
        **scope,
    )
    assert json_of(route.calls.last.request) == {
        "source": {"type": "JavaScript", "code": "export default function main() {}"},
        "event": {"event_name": "temp", "event_data": "21"},
        "api_username": "api-user",
    }
    assert isinstance(result, LogicExecution)
    assert result.succeeded
    assert result.logs[0].args == ("hi", 1)


async def test_execute_logic_is_never_resent(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/logic/execute").respond(503)
    with pytest.raises(ServerError):
        await cloud.logic.execute("x")
    assert route.call_count == 1
    assert json_of(route.calls.last.request) == {"source": {"type": "JavaScript", "code": "x"}}


@pytest.mark.parametrize(("scope", "prefix"), OWNERS)
async def test_logic_function_crud(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    base = f"{prefix}/logic/functions"
    created = router.post(base).respond(201, json={"logic_function": FUNCTION})
    listed = router.get(base).respond(json={"logic_functions": [FUNCTION]})
    router.get(f"{base}/lf1").respond(json={"logic_function": FUNCTION})
    updated = router.put(f"{base}/lf1").respond(
        json={"logic_function": {**FUNCTION, "enabled": False}}
    )
    deleted = router.delete(f"{base}/lf1").respond(204)

    trigger = {"type": "Event", "event_name": "temp", "product_id": 1234}
    fn = await cloud.logic.create(
        "double", "code()", description="doubles", enabled=True, triggers=[trigger], **scope
    )
    assert json_of(created.calls.last.request) == {
        "logic_function": {
            "name": "double",
            "description": "doubles",
            "enabled": True,
            "source": {"type": "JavaScript", "code": "code()"},
            "logic_triggers": [trigger],
        }
    }
    assert isinstance(fn, LogicFunction)
    assert fn.code == "export default function main() {}"
    assert fn.triggers[0].event_name == "temp"
    assert fn.today_stats is not None
    assert fn.today_stats.success == 3

    all_fns = await cloud.logic.list(today_stats=True, **scope)
    assert listed.calls.last.request.url.params["today_stats"] == "true"
    assert [f.id for f in all_fns] == ["lf1"]

    assert (await cloud.logic.get("lf1", **scope)).name == "double"

    changed = await cloud.logic.update("lf1", enabled=False, **scope)
    assert json_of(updated.calls.last.request) == {"logic_function": {"enabled": False}}
    assert not changed.enabled

    assert await cloud.logic.delete("lf1", **scope) is True
    assert deleted.called


@pytest.mark.parametrize(("scope", "prefix"), OWNERS)
async def test_logic_runs_logs_and_stats(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    base = f"{prefix}/logic/functions/lf1"
    router.get(f"{base}/runs").respond(json={"logic_runs": [RUN]})
    router.get(f"{base}/runs/run1").respond(json={"logic_run": RUN})
    router.get(f"{base}/runs/run1/logs").respond(
        json={"logs": [{"level": "Error", "timestamp": "2024-06-01T00:00:00Z", "args": ["boom"]}]}
    )
    router.get(f"{base}/stats").respond(
        json={
            "logic_function_stats": [
                {"date": "2024-06-01", "success": 3, "failure": 1, "timeout": 0},
                {"date": "2024-06-02", "success": 2, "failure": 0, "timeout": 1},
            ]
        }
    )
    runs = await cloud.logic.list_runs("lf1", **scope)
    assert isinstance(runs[0], LogicRun)
    assert runs[0].status == "Success"
    run = await cloud.logic.get_run("lf1", "run1", **scope)
    assert run.finished_at == datetime(2024, 6, 1, 0, 0, 1, tzinfo=timezone.utc)
    logs = await cloud.logic.get_run_logs("lf1", "run1", **scope)
    assert isinstance(logs[0], LogicLogEntry)
    assert logs[0].level == "Error"
    stats = await cloud.logic.stats("lf1", **scope)
    assert isinstance(stats, LogicStats)
    assert [d.date for d in stats.days] == ["2024-06-01", "2024-06-02"]
    assert (stats.totals.success, stats.totals.failure, stats.totals.timeout) == (5, 1, 1)


async def test_logic_run_logs_docs_shape(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/logic/functions/lf1/runs/run1/logs").respond(
        json={"logic_run_logs": {"logs": [{"level": "Info", "args": []}]}}
    )
    logs = await cloud.logic.get_run_logs("lf1", "run1")
    assert [entry.level for entry in logs] == ["Info"]
