"""`cloud.env_vars`: sandbox / org / product / device scopes, edits, render and roll-out."""

from __future__ import annotations

import pytest
import respx

from particle_async import Particle
from particle_async.models.env_vars import EnvRollout, EnvVarsState, RenderedEnvVars

from ..helpers import json_of

pytestmark = pytest.mark.anyio


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
