"""GET/PUT /v1/user, and the misc wire behaviour every route shares."""

from __future__ import annotations

import httpx

from particle_async.testing import FakeCloud, FakeUser


def test_get_user(client: httpx.Client, user: FakeUser) -> None:
    body = client.get("/v1/user").json()
    assert body["username"] == user.username
    assert body["subscription_ids"] == []
    assert body["account_info"]["first_name"] == ""
    assert body["mfa"] == {"enabled": False}


def test_put_account_info(client: httpx.Client) -> None:
    response = client.put("/v1/user", json={"account_info": {"first_name": "Ada"}})
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert client.get("/v1/user").json()["account_info"]["first_name"] == "Ada"


def test_change_password_needs_the_current_one(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    refused = client.put("/v1/user", json={"password": "new", "current_password": "wrong"})
    assert (refused.status_code, refused.json()["ok"]) == (400, False)
    accepted = client.put("/v1/user", data={"password": "new", "current_password": "secret"})
    assert accepted.status_code == 200
    login = {"grant_type": "password", "username": user.username, "password": "new"}
    assert httpx.post(f"{cloud.base_url}/oauth/token", data=login).status_code == 200


def test_change_username_keeps_tokens_and_devices(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    device = cloud.add_device(owner=user)
    new_name = "renamed-" + user.username
    response = client.put("/v1/user", json={"username": new_name, "current_password": "secret"})
    assert response.status_code == 200
    assert client.get("/v1/user").json()["username"] == new_name
    assert [d["id"] for d in client.get("/v1/devices").json()] == [device.id]


def test_unknown_route_is_json_404_and_trailing_slash_is_ignored(client: httpx.Client) -> None:
    missing = client.get("/v1/nothing-here")
    assert (missing.status_code, missing.json()) == (404, {"ok": False, "error": "Not Found"})
    assert client.get("/v1/devices/").status_code == 200


def test_requests_are_recorded(cloud: FakeCloud, client: httpx.Client) -> None:
    client.get("/v1/user", params={"x": "1"})
    assert cloud.requests[-1] == ("GET", "/v1/user")
