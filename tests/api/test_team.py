"""`cloud.team`: product and org teams, invitations and API users."""

from __future__ import annotations

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.team import TeamMember

from ..helpers import json_of

pytestmark = pytest.mark.anyio

PRODUCTS = pytest.mark.parametrize("product", [1337, "my-product-v1"])


@PRODUCTS
async def test_list_team(cloud: Particle, router: respx.Router, product: int | str) -> None:
    router.get(f"/v1/products/{product}/team").respond(
        json={
            "ok": True,
            "team": [
                {"_id": "1", "username": "jeff@particle.io", "role": "Administrator"},
                {
                    "username": "bot+x@api.particle.io",
                    "friendly_name": "bot",
                    "is_programmatic": True,
                    "scopes": ["devices:list"],
                },
            ],
        }
    )
    team = await cloud.team.list(product)
    assert all(isinstance(m, TeamMember) for m in team)
    assert team[0].id == "1"
    assert team[0].role == "Administrator"
    assert team[1].is_programmatic is True
    assert team[1].scopes == ("devices:list",)


async def test_list_org_team_and_bare_array(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/orgs/acme/team").respond(json=[{"username": "a@b.c"}])
    team = await cloud.team.list(org="acme")
    assert [m.username for m in team] == ["a@b.c"]


async def test_team_needs_exactly_one_scope(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        await cloud.team.list()
    with pytest.raises(ValueError, match="exactly one"):
        await cloud.team.list(1, org="acme")


@PRODUCTS
async def test_invite_and_remove(cloud: Particle, router: respx.Router, product: int | str) -> None:
    invite = router.post(f"/v1/products/{product}/team").respond(
        json={"ok": True, "invited": {"username": "new@example.com"}}
    )
    remove = router.delete(f"/v1/products/{product}/team/new%40example.com").respond(
        json={"ok": True}
    )
    member = await cloud.team.invite("new@example.com", product)
    assert json_of(invite.calls.last.request) == {"username": "new@example.com"}
    assert member.username == "new@example.com"
    await cloud.team.invite("new@example.com", product, role="Developer")
    assert json_of(invite.calls.last.request) == {
        "username": "new@example.com",
        "role": "Developer",
    }
    assert await cloud.team.remove("new@example.com", product) is True
    assert remove.call_count == 1


async def test_org_forms_of_team_calls(cloud: Particle, router: respx.Router) -> None:
    invite = router.post("/v1/orgs/acme/team").respond(json={"ok": True, "invited": {}})
    remove = router.delete("/v1/orgs/acme/team/x%40y.z").respond(status_code=204)
    await cloud.team.invite("x@y.z", org="acme")
    assert invite.call_count == 1
    assert await cloud.team.remove("x@y.z", org="acme") is True
    assert remove.call_count == 1


@pytest.mark.parametrize(
    ("product", "org", "prefix"),
    [
        (1337, None, "/v1/products/1337"),
        ("my-product-v1", None, "/v1/products/my-product-v1"),
        (None, "acme", "/v1/orgs/acme"),
    ],
)
async def test_api_user_lifecycle(
    cloud: Particle, router: respx.Router, product: int | str | None, org: str | None, prefix: str
) -> None:
    create = router.post(f"{prefix}/team").respond(
        json={
            "ok": True,
            "created": {
                "username": "mytoken+abc@api.particle.io",
                "is_programmatic": True,
                "friendly_name": "MyToken",
                "scopes": ["devices:list"],
                "tokens": [{"token": "t" * 40}],
            },
        }
    )
    update = router.put(f"{prefix}/team/mytoken%2Babc%40api.particle.io").respond(
        json={"ok": True, "updated": {"username": "mytoken+abc@api.particle.io", "tokens": ["n"]}}
    )
    regen = router.put(f"{prefix}/team/mytoken%2Babc%40api.particle.io/token").respond(
        json={"ok": True, "updated": {"tokens": [{"token": "z" * 40}]}}
    )

    user = await cloud.team.create_api_user("MyToken", ["devices:list"], product, org=org)
    assert json_of(create.calls.last.request) == {
        "friendly_name": "MyToken",
        "scopes": ["devices:list"],
    }
    assert user.is_programmatic is True
    assert user.token == "t" * 40
    assert "t" * 40 not in repr(user)

    changed = await cloud.team.update(
        user.username or "", product, org=org, scopes=["devices:list", "events:get"]
    )
    assert json_of(update.calls.last.request) == {"scopes": ["devices:list", "events:get"]}
    assert changed.token == "n"

    fresh = await cloud.team.regenerate_token(user.username or "", product, org=org)
    assert regen.call_count == 1
    assert regen.calls.last.request.content == b""
    assert fresh.token == "z" * 40


async def test_regenerate_answer_with_a_bare_token(cloud: Particle, router: respx.Router) -> None:
    router.put("/v1/orgs/acme/team/bot/token").respond(json={"ok": True, "token": "q" * 40})
    member = await cloud.team.regenerate_token("bot", org="acme")
    assert member.token == "q" * 40
    assert "q" * 40 not in repr(member)


async def test_team_update_needs_a_field(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="needs"):
        await cloud.team.update("u", 1)


async def test_create_api_user_is_not_retried(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/products/1/team").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"created": {}})]
    )
    with pytest.raises(ServerError):
        await cloud.team.create_api_user("bot", ["devices:list"], 1)
    assert route.call_count == 1
