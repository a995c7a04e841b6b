"""`cloud.ledger`, `cloud.logic`, `cloud.env_vars`: sandbox / org / product / device scopes."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.env_vars import EnvRollout, EnvVarsState, RenderedEnvVars
from particle_async.models.ledger import LedgerDefinition, LedgerInstance
from particle_async.models.logic import (
    LogicExecution,
    LogicFunction,
    LogicLogEntry,
    LogicRun,
    LogicStats,
)

pytestmark = pytest.mark.anyio

# (keyword arguments, path prefix) for each owner scope of ledger and logic
OWNERS = [
    ({}, "/v1"),
    ({"org": "my-org"}, "/v1/orgs/my-org"),
    ({"product": 1234}, "/v1/products/1234"),
    ({"product": "my-product-v1"}, "/v1/products/my-product-v1"),
]


def json_of(request: httpx.Request) -> object:
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


# --- ledger definitions --------------------------------------------------------------------

DEFINITION = {
    "name": "sensors",
    "scope": "Device",
    "direction": "Upstream",
    "description": "readings",
    "created_at": "2024-06-01T00:00:00Z",
    "updated_at": "2024-06-02T00:00:00Z",
    "archived_at": None,
}


@pytest.mark.parametrize(("scope", "prefix"), OWNERS)
async def test_ledger_definition_crud(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    created = router.post(f"{prefix}/ledgers").respond(201, json={"ledger": DEFINITION})
    got = router.get(f"{prefix}/ledgers/sensors").respond(json={"ledger": DEFINITION})
    updated = router.put(f"{prefix}/ledgers/sensors").respond(
        json={"ledger": {**DEFINITION, "description": "new"}}
    )
    archived = router.delete(f"{prefix}/ledgers/sensors").respond(204)

    ledger = await cloud.ledger.create(
        "sensors", scope="Device", direction="Upstream", description="readings", **scope
    )
    assert json_of(created.calls.last.request) == {
        "ledger": {
            "name": "sensors",
            "scope": "Device",
            "direction": "Upstream",
            "description": "readings",
        }
    }
    assert isinstance(ledger, LedgerDefinition)
    assert ledger.scope == "Device"
    assert not ledger.archived

    assert (await cloud.ledger.get("sensors", **scope)).direction == "Upstream"
    assert got.called

    changed = await cloud.ledger.update("sensors", description="new", **scope)
    assert json_of(updated.calls.last.request) == {"ledger": {"description": "new"}}
    assert changed.description == "new"

    assert await cloud.ledger.archive("sensors", **scope) is True
    assert archived.called


async def test_ledger_scope_arguments_are_exclusive(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="not both"):
        await cloud.ledger.get("sensors", org="o", product=1)


async def test_list_ledgers_page_and_iterate(cloud: Particle, router: respx.Router) -> None:
    def page(n: int, names: list[str], total_pages: int = 2) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "ledger_definitions": [{**DEFINITION, "name": x} for x in names],
                "meta": {"page": n, "per_page": 2, "total_pages": total_pages, "total": 3},
            },
        )

    route = router.get("/v1/orgs/acme/ledgers").mock(
        side_effect=[page(1, ["a", "b"]), page(2, ["c"]), page(1, ["a", "b"])]
    )
    names = [
        d.name
        async for d in cloud.ledger.iter(org="acme", scope="Device", archived=False, per_page=2)
    ]
    assert names == ["a", "b", "c"]
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"scope": "Device", "archived": "false", "page": str(n), "per_page": "2"} for n in (1, 2)
    ]
    one = await cloud.ledger.list(org="acme", page=1, per_page=2)
    assert one.total == 3
    assert one.total_pages == 2
    assert not one.is_last


async def test_list_ledgers_docs_key(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/ledgers").respond(json={"ledgers": [DEFINITION], "meta": {"total_pages": 1}})
    page = await cloud.ledger.list()
    assert [d.name for d in page.items] == ["sensors"]
    assert page.is_last


# --- ledger instances ----------------------------------------------------------------------

INSTANCE = {
    "name": "sensors",
    "scope": {"type": "Device", "value": "dev1", "name": "kitchen"},
    "size_bytes": 14,
    "data": {"temp": 21.5},
    "created_at": "2024-06-01T00:00:00Z",
    "updated_at": "2024-06-03T00:00:00Z",
}


@pytest.mark.parametrize(("scope", "prefix"), OWNERS)
async def test_ledger_instance_get_set_delete(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    url = f"{prefix}/ledgers/sensors/instances/dev1"
    router.get(url).respond(json={"instance": INSTANCE})
    put = router.put(url).respond(json={"instance": {**INSTANCE, "data": {"temp": 22}}})
    deleted = router.delete(url).respond(204)

    instance = await cloud.ledger.get_instance("sensors", "dev1", **scope)
    assert isinstance(instance, LedgerInstance)
    assert instance.data == {"temp": 21.5}
    assert instance.scope is not None
    assert instance.scope.value == "dev1"
    assert instance.updated_at == datetime(2024, 6, 3, tzinfo=timezone.utc)

    written = await cloud.ledger.set_instance("sensors", "dev1", {"temp": 22}, **scope)
    assert "set_mode" not in put.calls.last.request.url.params
    assert json_of(put.calls.last.request) == {"instance": {"data": {"temp": 22}}}
    assert written.data == {"temp": 22}

    await cloud.ledger.set_instance("sensors", "dev1", {"hum": 40}, merge=True, **scope)
    assert put.calls.last.request.url.params["set_mode"] == "Merge"

    assert await cloud.ledger.delete_instance("sensors", "dev1", **scope) is True
    assert deleted.called


async def test_list_and_iterate_ledger_instances(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/ledgers/sensors/instances").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "instances": [INSTANCE, INSTANCE],
                    "meta": {"page": 1, "per_page": 2, "total_pages": 2},
                },
            ),
            httpx.Response(
                200,
                json={
                    "instances": [INSTANCE],
                    "meta": {"page": 2, "per_page": 2, "total_pages": 2},
                },
            ),
        ]
    )
    items = await cloud.ledger.iter_instances("sensors", per_page=2).collect()
    assert len(items) == 3
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"page": "1", "per_page": "2"},
        {"page": "2", "per_page": "2"},
    ]


def version(replaced_at: str, temp: int) -> dict[str, object]:
    return {**INSTANCE, "data": {"temp": temp}, "replaced_at": replaced_at}


async def test_ledger_versions_walk_back_with_replaced_before(
    cloud: Particle, router: respx.Router
) -> None:
    url = "/v1/orgs/acme/ledgers/sensors/instances/dev1/versions"
    route = router.get(url).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "versions": [
                        version("2024-06-05T00:00:00Z", 5),
                        version("2024-06-04T00:00:00Z", 4),
                    ],
                    "meta": {"has_more": True},
                },
            ),
            httpx.Response(
                200,
                json={
                    "versions": [version("2024-06-03T00:00:00Z", 3)],
                    "meta": {"has_more": False},
                },
            ),
        ]
    )
    temps = [
        v.data["temp"]
        async for v in cloud.ledger.iter_instance_versions(
            "sensors", "dev1", replaced_after="2024-01-01T00:00:00Z", org="acme"
        )
    ]
    assert temps == [5, 4, 3]
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"replaced_after": "2024-01-01T00:00:00Z"},
        {"replaced_after": "2024-01-01T00:00:00Z", "replaced_before": "2024-06-04T00:00:00Z"},
    ]


async def test_ledger_versions_one_window(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/ledgers/sensors/instances/dev1/versions").respond(
        json={"versions": [version("2024-06-05T00:00:00Z", 5)], "meta": {"has_more": True}}
    )
    page = await cloud.ledger.list_instance_versions(
        "sensors", "dev1", replaced_before="2024-06-06T00:00:00Z"
    )
    assert dict(route.calls.last.request.url.params) == {"replaced_before": "2024-06-06T00:00:00Z"}
    assert page.has_more is True
    assert page.items[0].replaced_at == datetime(2024, 6, 5, tzinfo=timezone.utc)


async def test_ledger_versions_stop_when_no_cursor(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/ledgers/sensors/instances/dev1/versions").respond(
        json={"versions": [INSTANCE], "meta": {"has_more": True}}  # no replaced_at to go on
    )
    assert len(await cloud.ledger.iter_instance_versions("sensors", "dev1").collect()) == 1
    assert route.call_count == 1


@pytest.mark.parametrize(("scope", "prefix"), OWNERS)
async def test_get_ledger_instance_version(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    router.get(f"{prefix}/ledgers/sensors/instances/dev1/versions/v7").respond(
        json={"instance": version("2024-06-04T00:00:00Z", 4)}
    )
    old = await cloud.ledger.get_instance_version("sensors", "dev1", "v7", **scope)
    assert old.data == {"temp": 4}


# --- logic ---------------------------------------------------------------------------------

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


# --- environment variables -----------------------------------------------------------------

ENV = {
    "last_snapshot": {
        "own": {"A": {"value": "1"}},
        "inherited": {},
        "rollout_at": "2024-06-01T00:00:00Z",
        "rollout_by": "u1",
    },
    "latest": {
        "own": {"A": {"value": "2"}, "B": {"value": "x"}},
        "inherited": {"C": {"from": "Product", "value": "p"}, "A": {"from": "Owner", "value": "o"}},
        "created_at": None,
        "updated_at": "2024-06-02T00:00:00Z",
        "created_by": None,
        "updated_by": "u1",
    },
    "on_device": {"rendered": {"A": "1"}, "last_reported_at": "2024-06-01T00:00:05Z"},
}

# (keyword arguments, path prefix) for each env var scope
ENV_SCOPES = [
    ({}, "/v1/env"),
    ({"device_id": "dev1"}, "/v1/env/dev1"),
    ({"product": 1234}, "/v1/products/1234/env"),
    ({"product": "my-product-v1"}, "/v1/products/my-product-v1/env"),
    ({"org": "acme"}, "/v1/orgs/acme/env"),
]


@pytest.mark.parametrize(("scope", "prefix"), ENV_SCOPES)
async def test_env_vars_list_set_delete(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    router.get(prefix).respond(json=ENV)
    put = router.put(f"{prefix}/B").respond(json=ENV)
    deleted = router.delete(f"{prefix}/B").respond(json=ENV)

    env = await cloud.env_vars.list(**scope)
    assert isinstance(env, EnvVarsState)
    assert env.latest is not None
    assert env.latest.own == {"A": "2", "B": "x"}
    assert env.latest.inherited["C"].source == "Product"
    assert env.latest.effective == {"A": "2", "B": "x", "C": "p"}
    assert env.last_snapshot is not None
    assert env.last_snapshot.rollout_by == "u1"
    assert env.on_device is not None
    assert env.on_device.rendered == {"A": "1"}

    await cloud.env_vars.set("B", "x", **scope)
    assert json_of(put.calls.last.request) == {"value": "x"}
    await cloud.env_vars.delete("B", **scope)
    assert deleted.called


@pytest.mark.parametrize(("scope", "prefix"), ENV_SCOPES)
async def test_env_vars_update_ops(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    route = router.patch(prefix).respond(json=ENV)
    await cloud.env_vars.update(
        [{"op": "Set", "key": "RAW", "value": "1"}],
        set_values={"A": "2"},
        unset_keys=["OLD"],
        **scope,
    )
    assert json_of(route.calls.last.request) == {
        "ops": [
            {"op": "Set", "key": "RAW", "value": "1"},
            {"op": "Set", "key": "A", "value": "2"},
            {"op": "Unset", "key": "OLD"},
        ]
    }


async def test_env_vars_update_limits(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="at least one"):
        await cloud.env_vars.update()
    with pytest.raises(ValueError, match="at most 50"):
        await cloud.env_vars.update(set_values={f"K{i}": "v" for i in range(51)})


async def test_env_vars_one_scope_only(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="at most one"):
        await cloud.env_vars.list(product=1234, org="acme")
    with pytest.raises(ValueError, match="at most one"):
        await cloud.env_vars.render(device_id="dev1", product=1234)


@pytest.mark.parametrize(("scope", "prefix"), ENV_SCOPES)
async def test_env_vars_render_and_rollout(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    router.get(f"{prefix}/render").respond(
        json={
            "env": {"A": "2", "C": "p"},
            "last_updated_at": "2024-06-02T00:00:00Z",
            "rollout_at": None,
            "rollout_by": None,
        }
    )
    router.get(f"{prefix}/rollout").respond(
        json={
            "from_snapshot": {
                "changes": [
                    {"op": "Changed", "key": "A", "before": "1", "after": "2"},
                    {"op": "Added", "key": "B", "after": "x"},
                ],
                "unchanged": {"C": "p"},
            }
        }
    )
    started = router.post(f"{prefix}/rollout").respond(json={"success": True})

    rendered = await cloud.env_vars.render(**scope)
    assert isinstance(rendered, RenderedEnvVars)
    assert rendered.env == {"A": "2", "C": "p"}
    assert rendered.rollout_at is None

    rollout = await cloud.env_vars.review_rollout(**scope)
    assert isinstance(rollout, EnvRollout)
    assert rollout.from_snapshot is not None
    assert [(c.op, c.key, c.before, c.after) for c in rollout.from_snapshot.changes] == [
        ("Changed", "A", "1", "2"),
        ("Added", "B", None, "x"),
    ]
    assert rollout.from_device is None

    assert await cloud.env_vars.start_rollout(when="Connect", **scope) is True
    assert json_of(started.calls.last.request) == {"when": "Connect"}
    await cloud.env_vars.start_rollout(**scope)
    assert json_of(started.calls.last.request) == {"when": "Immediate"}
