"""The access token never shows: not in reprs, logs, exception text or URLs."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from particle_async import NotFoundError, Particle, TokenGrant, UnauthorizedError
from particle_async._redact import Secret, redact_text, redact_url

from ..helpers import TOKEN

pytestmark = pytest.mark.anyio


async def test_client_repr_hides_token(cloud: Particle) -> None:
    assert TOKEN not in repr(cloud)
    assert TOKEN not in repr(cloud._transport.token)
    assert TOKEN not in str(cloud._transport.token)


async def test_error_text_never_holds_the_token(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/user").respond(
        401, json={"error": "invalid_token", "error_description": f"token {TOKEN} is invalid"}
    )
    with pytest.raises(UnauthorizedError) as caught:
        await cloud.user.get()
    for text in (str(caught.value), repr(caught.value), caught.value.message):
        assert TOKEN not in text
    assert "***" in str(caught.value)


async def test_query_token_in_url_is_masked(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/user").respond(404)
    with pytest.raises(NotFoundError) as caught:
        await cloud._transport.request("GET", "/v1/user", params={"access_token": "abcdefgh1234"})
    assert "abcdefgh1234" not in str(caught.value)
    assert "access_token=***" in str(caught.value)


async def test_logs_never_hold_the_token(
    cloud: Particle, router: respx.Router, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    router.get("/v1/user").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"username": "u"})]
    )
    await cloud.user.get()
    assert caplog.records, "the transport logs requests and retries"
    assert TOKEN not in caplog.text


async def test_deleting_a_token_keeps_it_out_of_errors(
    cloud: Particle, router: respx.Router
) -> None:
    other = "f" * 40
    router.delete(f"/v1/access_tokens/{other}").respond(404, json={"ok": False, "error": "nope"})
    with pytest.raises(NotFoundError) as caught:
        await cloud.tokens.delete(other)
    assert other not in str(caught.value)
    assert "/v1/access_tokens/***" in str(caught.value)


def test_token_models_hide_tokens() -> None:
    grant = TokenGrant.from_api({"access_token": TOKEN, "refresh_token": "r" * 40})
    assert TOKEN not in repr(grant)
    assert "r" * 40 not in repr(grant)
    assert grant.access_token == TOKEN


def test_redact_helpers() -> None:
    secret = Secret("s3cr3t-value-123")
    assert "s3cr3t" not in repr(secret)
    assert redact_text("oops s3cr3t-value-123 leaked") == "oops *** leaked"
    assert redact_text("Authorization: Bearer abc.def") == "Authorization: Bearer ***"
    assert redact_url("https://u:p@h/x?access_token=zz&a=1") == "https://h/x?access_token=***&a=1"
    assert redact_url("https://h/v1/access_tokens/current") == "https://h/v1/access_tokens/current"
