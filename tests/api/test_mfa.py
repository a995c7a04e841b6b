"""`cloud.mfa`: the MFA login step, enrolment, confirmation and disabling."""

from __future__ import annotations

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.auth import MfaConfirmation, MfaEnrollment

from ..helpers import basic, form_of, json_of

pytestmark = pytest.mark.anyio

GRANT = {
    "access_token": "a" * 40,
    "token_type": "bearer",
    "expires_in": 7776000,
    "refresh_token": "r" * 40,
}


async def test_mfa_login_completes_the_login(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/oauth/token").respond(json=GRANT)
    grant = await cloud.mfa.login("mfa-state-token", "123456")
    request = route.calls.last.request
    assert form_of(request) == {
        "grant_type": "urn:custom:mfa-otp",
        "mfa_token": "mfa-state-token",
        "otp": "123456",
    }
    assert request.headers["Authorization"] == basic("particle", "particle")
    assert grant.access_token == "a" * 40
    assert cloud.mfa.send_otp == cloud.mfa.login


async def test_token_grants_are_never_retried(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/oauth/token").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=GRANT)]
    )
    with pytest.raises(ServerError):
        await cloud.mfa.login("t", "1")
    assert route.call_count == 1


async def test_mfa_enable_confirm_disable(cloud: Particle, router: respx.Router) -> None:
    enable = router.get("/v1/user/mfa-enable").respond(
        json={"mfa_token": "enrol-token", "qr_url": "data:image/png;base64,xx", "secret": "ABC"}
    )
    confirm = router.post("/v1/user/mfa-enable").respond(
        json={"enrolled": True, "tokens": ["recovery-1", "recovery-2"]}
    )
    disable = router.put("/v1/user/mfa-disable").respond(json={"ok": True})

    enrolment = await cloud.mfa.enable()
    assert isinstance(enrolment, MfaEnrollment)
    assert enrolment.mfa_token == "enrol-token"
    assert "enrol-token" not in repr(enrolment)
    assert "ABC" not in repr(enrolment)
    assert enable.call_count == 1

    confirmation = await cloud.mfa.confirm("enrol-token", "123456")
    assert json_of(confirm.calls.last.request) == {"mfa_token": "enrol-token", "otp": "123456"}
    assert isinstance(confirmation, MfaConfirmation)
    assert confirmation.enrolled is True
    assert confirmation.tokens == ("recovery-1", "recovery-2")
    assert "recovery-1" not in repr(confirmation)

    await cloud.mfa.confirm("enrol-token", "123456", invalidate_tokens=True)
    assert json_of(confirm.calls.last.request) == {
        "mfa_token": "enrol-token",
        "otp": "123456",
        "invalidate_tokens": True,
    }

    assert await cloud.mfa.disable("pw") is True
    assert json_of(disable.calls.last.request) == {"current_password": "pw"}
