"""`cloud.user`: profile, sign-up, e-mail/password changes, deletion, password reset."""

from __future__ import annotations

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.user import TrackingIdentity, User

from ..helpers import TOKEN, json_of

pytestmark = pytest.mark.anyio

USER = {
    "username": "testuser@particle.io",
    "subscription_ids": [],
    "account_info": {"first_name": "Test", "last_name": "User", "business_account": False},
    "scim_provisioned": False,
    "no_password": False,
    "mfa": {"enabled": True},
    "wifi_device_count": 2,
    "cellular_device_count": 1,
}


async def test_get_user(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/user").respond(json=USER)
    user = await cloud.user.get()
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert isinstance(user, User)
    assert user.username == "testuser@particle.io"
    assert user.account_info["first_name"] == "Test"
    assert user.mfa_enabled is True
    assert user.wifi_device_count == 2
    assert user.cellular_device_count == 1
    assert user.scim_provisioned is False


async def test_set_info_sends_account_info(cloud: Particle, router: respx.Router) -> None:
    route = router.put("/v1/user").respond(json={"ok": True, "message": "User updated"})
    assert await cloud.user.set_info({"first_name": "Ada", "company_name": "Engines"}) is True
    assert json_of(route.calls.last.request) == {
        "account_info": {"first_name": "Ada", "company_name": "Engines"}
    }


async def test_change_username(cloud: Particle, router: respx.Router) -> None:
    route = router.put("/v1/user").respond(json={"ok": True})
    assert await cloud.user.change_username("new@example.com", "old-pw") is True
    assert json_of(route.calls.last.request) == {
        "username": "new@example.com",
        "current_password": "old-pw",
    }
    await cloud.user.change_username("new@example.com", "old-pw", invalidate_tokens=True)
    assert json_of(route.calls.last.request) == {
        "username": "new@example.com",
        "current_password": "old-pw",
        "invalidate_tokens": True,
    }


async def test_change_password(cloud: Particle, router: respx.Router) -> None:
    route = router.put("/v1/user").respond(json={"ok": True, "message": "User's password updated."})
    assert await cloud.user.change_password("new-pw", "old-pw", invalidate_tokens=True) is True
    assert json_of(route.calls.last.request) == {
        "password": "new-pw",
        "current_password": "old-pw",
        "invalidate_tokens": True,
    }


async def test_update_only_sends_given_fields(cloud: Particle, router: respx.Router) -> None:
    route = router.put("/v1/user").respond(json={"ok": True})
    assert await cloud.user.update(account_info={"last_name": "L"}) == {"ok": True}
    assert json_of(route.calls.last.request) == {"account_info": {"last_name": "L"}}
    with pytest.raises(ValueError, match="at least one"):
        await cloud.user.update()


async def test_create_user_sends_no_token(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/users").respond(json={"ok": True})
    created = await cloud.user.create(
        "new@example.com", "pw", account_info={"first_name": "N"}, utm={"utm_source": "x"}
    )
    request = route.calls.last.request
    assert "Authorization" not in request.headers
    assert json_of(request) == {
        "username": "new@example.com",
        "password": "pw",
        "account_info": {"first_name": "N"},
        "utm": {"utm_source": "x"},
    }
    assert created is True
    await cloud.user.create("n2@example.com", "pw")
    assert json_of(route.calls.last.request) == {"username": "n2@example.com", "password": "pw"}


async def test_delete_user_sends_json_body_and_is_not_retried(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.delete("/v1/user").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"ok": True})]
    )
    with pytest.raises(ServerError):
        await cloud.user.delete("pw")
    assert route.call_count == 1
    assert json_of(route.calls.last.request) == {"password": "pw"}
    assert await cloud.user.delete("pw") is True


async def test_password_reset_request_and_completion(cloud: Particle, router: respx.Router) -> None:
    start = router.post("/v1/user/password-reset").respond(
        json={"ok": True, "message": "Password reset email sent."}
    )
    finish = router.put("/v1/user/password-reset").respond(json={"ok": True})

    assert await cloud.user.reset_password("forgetful@example.com") is True
    assert "Authorization" not in start.calls.last.request.headers
    assert json_of(start.calls.last.request) == {"username": "forgetful@example.com"}

    assert await cloud.user.complete_password_reset("reset-tok", "new-pw", username="f@e.com")
    assert "Authorization" not in finish.calls.last.request.headers
    assert json_of(finish.calls.last.request) == {
        "token": "reset-tok",
        "password": "new-pw",
        "username": "f@e.com",
    }


async def test_tracking_identity(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/user/identify").respond(json={"id": "abc", "email": "e@x.com"})
    ident = await cloud.user.tracking_identity()
    assert dict(route.calls.last.request.url.params) == {"tracking": "1"}
    assert isinstance(ident, TrackingIdentity)
    assert (ident.id, ident.email) == ("abc", "e@x.com")
    await cloud.user.tracking_identity(full=True)
    assert route.calls.last.request.url.query == b""
