"""`cloud.tokens`: every grant, listing and revoking, and the MFA condition a login raises."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
import respx

from particle_async import ForbiddenError, Particle
from particle_async.models.auth import CurrentToken, TokenGrant
from particle_async.resources.mfa import MfaRequired

from ..helpers import TOKEN, basic, form_of, mocked_client

pytestmark = pytest.mark.anyio

GRANT = {
    "access_token": "a" * 40,
    "token_type": "bearer",
    "expires_in": 7776000,
    "refresh_token": "r" * 40,
}
MFA_ANSWER = {
    "error": "mfa_required",
    "error_description": "Multifactor authentication required",
    "mfa_token": "mfa-state-token",
}


async def test_login_password_grant(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/oauth/token").respond(json=GRANT)
    grant = await cloud.tokens.login(
        "joe@example.com", "pw", client_id="cid", client_secret="cs", expires_at="2030-01-01"
    )
    request = route.calls.last.request
    assert form_of(request) == {
        "grant_type": "password",
        "username": "joe@example.com",
        "password": "pw",
        "expires_at": "2030-01-01",
    }
    assert request.headers["Authorization"] == basic("cid", "cs")
    assert isinstance(grant, TokenGrant)
    assert grant.access_token == "a" * 40
    assert grant.refresh_token == "r" * 40
    assert grant.expires_in == 7776000
    assert "a" * 40 not in repr(grant)


async def test_login_with_mfa_raises_typed_condition(cloud: Particle, router: respx.Router) -> None:
    router.post("/oauth/token").respond(403, json=MFA_ANSWER)
    with pytest.raises(MfaRequired) as caught:
        await cloud.tokens.create("joe@example.com", "pw")
    needed = caught.value
    assert isinstance(needed, ForbiddenError)
    assert needed.status == 403
    assert needed.error == "mfa_required"
    assert needed.mfa_token == "mfa-state-token"
    assert "mfa-state-token" not in str(needed)
    assert "mfa-state-token" not in repr(needed)


async def test_other_403_stays_a_plain_forbidden(cloud: Particle, router: respx.Router) -> None:
    router.post("/oauth/token").respond(403, json={"error": "access_denied"})
    with pytest.raises(ForbiddenError) as caught:
        await cloud.tokens.create("joe@example.com", "pw")
    assert not isinstance(caught.value, MfaRequired)


async def test_login_with_otp_sends_both_steps(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/oauth/token").mock(
        side_effect=[httpx.Response(403, json=MFA_ANSWER), httpx.Response(200, json=GRANT)]
    )
    grant = await cloud.tokens.create("joe@example.com", "pw", otp="654321")
    assert route.call_count == 2
    first, second = (call.request for call in route.calls)
    assert form_of(first)["grant_type"] == "password"
    assert form_of(second) == {
        "grant_type": "urn:custom:mfa-otp",
        "mfa_token": "mfa-state-token",
        "otp": "654321",
    }
    assert grant.access_token == "a" * 40


async def test_login_as_client_owner(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/oauth/token").respond(json=GRANT)
    grant = await cloud.tokens.login_as_client_owner("my-client", "s3cret", expires_in=60)
    request = route.calls.last.request
    assert form_of(request) == {"grant_type": "client_credentials", "expires_in": "60"}
    assert request.headers["Authorization"] == basic("my-client", "s3cret")
    assert grant.access_token == "a" * 40
    assert cloud.tokens.create_for_client == cloud.tokens.login_as_client_owner


async def test_customer_token_two_legged(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/oauth/token").respond(json=GRANT)
    grant = await cloud.tokens.create_customer_token(
        "jane@example.com", client_id="prod-client", client_secret="s", expires_in=3600
    )
    request = route.calls.last.request
    assert form_of(request) == {
        "grant_type": "client_credentials",
        "scope": "customer=jane@example.com",
        "expires_in": "3600",
    }
    assert request.headers["Authorization"] == basic("prod-client", "s")
    assert grant.token_type == "bearer"


async def test_refresh_grant(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/oauth/token").respond(json=GRANT)
    await cloud.tokens.refresh("r" * 40, client_id="c", client_secret="s")
    request = route.calls.last.request
    assert form_of(request) == {"grant_type": "refresh_token", "refresh_token": "r" * 40}
    assert request.headers["Authorization"] == basic("c", "s")


async def test_list_tokens_with_basic_auth_and_otp(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/access_tokens").respond(
        json=[
            {"token": "b" * 40, "expires_at": "2014-04-27T02:20:36.177Z", "client": "particle"},
            {"token": "c" * 40, "expires_at": None, "client": "cli"},
        ]
    )
    tokens = await cloud.tokens.list("joe@example.com", "pw", otp="111222")
    request = route.calls.last.request
    assert request.headers["Authorization"] == basic("joe@example.com", "pw")
    assert dict(request.url.params) == {"otp": "111222"}
    assert [t.client for t in tokens] == ["particle", "cli"]
    assert tokens[0].expires_at == datetime(2014, 4, 27, 2, 20, 36, 177000, tzinfo=timezone.utc)
    assert tokens[1].expires_at is None
    await cloud.tokens.list("joe@example.com", "pw")
    assert route.calls.last.request.url.query == b""


async def test_current_token_info(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/access_tokens/current").respond(
        json={
            "expires_at": "2014-04-27T06:31:08.991Z",
            "client": "particle",
            "scopes": ["devices:list"],
            "orgs": [{"id": "o1", "slug": "acme"}],
        }
    )
    info = await cloud.tokens.current()
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert isinstance(info, CurrentToken)
    assert info.client_name == "particle"
    assert info.scopes == ("devices:list",)
    assert info.orgs[0]["slug"] == "acme"
    assert info.expires_at is not None
    assert info.expires_at.year == 2014


async def test_delete_token_variants(cloud: Particle, router: respx.Router) -> None:
    one = router.delete("/v1/access_tokens/" + "d" * 40).respond(json={"ok": True})
    current = router.delete("/v1/access_tokens/current").respond(json={"ok": True})
    every = router.delete("/v1/access_tokens").respond(json={"ok": True})

    assert await cloud.tokens.delete("d" * 40) is True
    assert one.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert await cloud.tokens.delete("d" * 40, username="u", password="p") is True
    assert one.calls.last.request.headers["Authorization"] == basic("u", "p")
    assert await cloud.tokens.delete_current() is True
    assert current.call_count == 1
    assert await cloud.tokens.delete_all() is True
    assert every.call_count == 1


async def test_delete_answers_false_when_cloud_says_so(
    cloud: Particle, router: respx.Router
) -> None:
    router.delete("/v1/access_tokens").respond(json={"ok": False})
    assert await cloud.tokens.delete_all() is False


async def test_login_needs_no_client_token(router: respx.Router) -> None:
    """A client made without a token can still log in (Basic client auth, no bearer)."""
    route = router.post("/oauth/token").respond(json=GRANT)
    cloud, http = mocked_client(router)
    cloud._state.token = None
    async with http, cloud:
        grant = await cloud.tokens.create("u", "p")
    assert route.calls.last.request.headers["Authorization"] == basic("particle", "particle")
    assert grant.access_token == "a" * 40
