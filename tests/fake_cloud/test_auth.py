"""Authentication: where the token may travel, /oauth/token, access-token management."""

from __future__ import annotations

import httpx

from particle_async.testing import FakeCloud, FakeUser

from .conftest import bearer

MISSING = {"error": "invalid_request", "error_description": "The access token was not found"}
INVALID = {"error": "invalid_token", "error_description": "The access token provided is invalid."}


def test_token_in_header_query_or_form_body(cloud: FakeCloud, user: FakeUser) -> None:
    device = cloud.add_device(owner=user)
    with httpx.Client(base_url=cloud.base_url) as http:
        assert http.get("/v1/user", headers=bearer(user.token)).status_code == 200
        assert http.get("/v1/user", params={"access_token": user.token}).status_code == 200
        form = {"access_token": user.token, "name": "renamed"}
        response = http.put(f"/v1/devices/{device.id}", data=form)
    assert response.status_code == 200
    assert device.name == "renamed"


def test_missing_token_is_400_and_json_body_does_not_carry_it(
    cloud: FakeCloud, user: FakeUser
) -> None:
    device = cloud.add_device(owner=user)
    with httpx.Client(base_url=cloud.base_url) as http:
        bare = http.get("/v1/devices")
        in_json = http.put(
            f"/v1/devices/{device.id}", json={"access_token": user.token, "name": "x"}
        )
    assert (bare.status_code, bare.json()) == (400, MISSING)
    assert (in_json.status_code, in_json.json()) == (400, MISSING)


def test_unknown_token_is_401(cloud: FakeCloud) -> None:
    with httpx.Client(base_url=cloud.base_url, headers=bearer("0" * 40)) as http:
        response = http.get("/v1/devices")
    assert (response.status_code, response.json()) == (401, INVALID)


def _login(cloud: FakeCloud, **form: str) -> httpx.Response:
    return httpx.post(f"{cloud.base_url}/oauth/token", data=form)


def test_password_grant_issues_a_working_token(cloud: FakeCloud, user: FakeUser) -> None:
    response = _login(cloud, grant_type="password", username=user.username, password="secret")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"token_type", "access_token", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7776000
    assert len(body["access_token"]) == 40
    me = httpx.get(f"{cloud.base_url}/v1/user", headers=bearer(body["access_token"]))
    assert me.json()["username"] == user.username


def test_oauth_token_takes_form_bodies_only(cloud: FakeCloud, user: FakeUser) -> None:
    payload = {"grant_type": "password", "username": user.username, "password": "secret"}
    response = httpx.post(f"{cloud.base_url}/oauth/token", json=payload)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Invalid or missing grant_type parameter",
    }


def test_bad_credentials_and_bad_client(cloud: FakeCloud, user: FakeUser) -> None:
    wrong = _login(cloud, grant_type="password", username=user.username, password="nope")
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "User credentials are invalid"},
    )
    form = {"grant_type": "password", "username": user.username, "password": "secret"}
    bad_client = httpx.post(f"{cloud.base_url}/oauth/token", data=form, auth=("particle", "wrong"))
    assert bad_client.status_code == 401
    assert bad_client.json()["error"] == "invalid_client"
    good_client = httpx.post(
        f"{cloud.base_url}/oauth/token", data=form, auth=("particle", "particle")
    )
    assert good_client.status_code == 200


def test_client_credentials_refresh_and_unknown_grant(cloud: FakeCloud, user: FakeUser) -> None:
    client = cloud.add_oauth_client("my-app", "s3cret", owner=user)
    granted = _login(
        cloud, grant_type="client_credentials", client_id=client.id, client_secret="s3cret"
    )
    assert granted.status_code == 200
    assert "refresh_token" not in granted.json()
    login = _login(cloud, grant_type="password", username=user.username, password="secret").json()
    refreshed = _login(cloud, grant_type="refresh_token", refresh_token=login["refresh_token"])
    assert refreshed.status_code == 200
    assert (
        httpx.get(f"{cloud.base_url}/v1/user", headers=bearer(login["access_token"])).status_code
        == 401
    )
    unknown = _login(cloud, grant_type="magic")
    assert (unknown.status_code, unknown.json()["error"]) == (400, "unsupported_grant_type")


def test_list_and_delete_tokens_with_basic_auth(cloud: FakeCloud, user: FakeUser) -> None:
    never = _login(
        cloud, grant_type="password", username=user.username, password="secret", expires_in="0"
    )
    extra = never.json()["access_token"]
    with httpx.Client(base_url=cloud.base_url, auth=(user.username, "secret")) as http:
        listed = http.get("/v1/access_tokens").json()
        deleted = http.delete(f"/v1/access_tokens/{extra}")
        unknown = http.delete(f"/v1/access_tokens/{'f' * 40}")
    assert isinstance(listed, list)
    assert {"token": extra, "expires_at": None, "client": "particle"} in listed
    assert all(set(t) == {"token", "expires_at", "client"} for t in listed)
    assert (deleted.status_code, deleted.json()) == (200, {"ok": True})
    assert unknown.status_code == 404
    assert httpx.get(f"{cloud.base_url}/v1/user", headers=bearer(extra)).status_code == 401
    wrong = httpx.get(f"{cloud.base_url}/v1/access_tokens", auth=(user.username, "nope"))
    assert wrong.status_code == 401


def test_delete_current_token(cloud: FakeCloud, user: FakeUser) -> None:
    with httpx.Client(base_url=cloud.base_url, headers=bearer(user.token)) as http:
        info = http.get("/v1/access_tokens/current").json()
        deleted = http.delete("/v1/access_tokens/current")
        after = http.get("/v1/user")
    assert info["client"] == "particle"
    assert (deleted.status_code, deleted.json()) == (200, {"ok": True})
    assert (after.status_code, after.json()) == (401, INVALID)


def test_non_ascii_credentials(cloud: FakeCloud) -> None:
    user = cloud.add_user("zoë@example.com", "pässwörd")
    form = {"grant_type": "password", "username": user.username, "password": "pässwörd"}
    assert _login(cloud, **form).status_code == 200
    assert _login(cloud, **{**form, "password": "wrong"}).status_code == 400
