"""Where the fake used to differ from the real cloud (issue 13), checked over plain HTTP:
other people's OAuth clients, revoking a token with no credentials, token lifetimes on
the fake's clock, authentication before the body is parsed, and the 2014 era switch."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from particle_async.testing import FakeCloud, FakeUser, ManualClock

from .conftest import RawSSE, bearer, http_client

PASSWORD_FORM = {"grant_type": "password", "password": "secret"}


def _token(cloud: FakeCloud, auth: tuple[str, str] | None = None, **form: str) -> httpx.Response:
    return httpx.post(f"{cloud.base_url}/oauth/token", data=form, auth=auth)


def _me(cloud: FakeCloud, token: str) -> int:
    return httpx.get(f"{cloud.base_url}/v1/user", headers=bearer(token)).status_code


# -- OAuth clients -------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["CLI2", "user", "spark", "particle", "particle-api"])
def test_the_public_clients_of_particles_tools_log_in(
    cloud: FakeCloud, user: FakeUser, client: str
) -> None:
    answer = _token(cloud, (client, client), username=user.username, **PASSWORD_FORM)
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    assert _me(cloud, token) == 200
    with http_client(cloud, token) as http:
        assert http.get("/v1/access_tokens/current").json()["client"] == client


def test_public_clients_are_configurable() -> None:
    with FakeCloud(rate_limit=None, oauth_clients={"my-tool": "not-secret"}) as cloud:
        form = {"username": cloud.user.username, "grant_type": "password", "password": "password"}
        assert _token(cloud, ("my-tool", "not-secret"), **form).status_code == 200
        refused = _token(cloud, ("CLI2", "CLI2"), **form)
        assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")


def test_public_clients_cannot_use_client_credentials(cloud: FakeCloud) -> None:
    answer = _token(cloud, ("CLI2", "CLI2"), grant_type="client_credentials")
    assert (answer.status_code, answer.json()["error"]) == (400, "unauthorized_client")


def _create_client(cloud: FakeCloud, user: FakeUser, **form: str) -> dict[str, str]:
    with http_client(cloud, user.token) as http:
        answer = http.post("/v1/clients", data=form)
    assert answer.status_code == 200, answer.text
    client: dict[str, str] = answer.json()["client"]
    return client


def test_an_installed_client_made_over_the_api_logs_in_and_acts_for_its_owner(
    cloud: FakeCloud, user: FakeUser
) -> None:
    made = _create_client(cloud, user, name="My App", type="installed")
    creds = (made["id"], made["secret"])
    login = _token(cloud, creds, username=user.username, **PASSWORD_FORM)
    assert login.status_code == 200
    owner = _token(cloud, creds, grant_type="client_credentials")
    assert owner.status_code == 200
    with http_client(cloud, owner.json()["access_token"]) as http:
        assert http.get("/v1/user").json()["username"] == user.username
    wrong = _token(cloud, (made["id"], "guess"), grant_type="client_credentials")
    assert wrong.status_code == 401


def test_a_web_client_never_takes_a_password(cloud: FakeCloud, user: FakeUser) -> None:
    made = _create_client(
        cloud, user, name="Site", type="web", redirect_uri="https://example.com/cb"
    )
    creds = (made["id"], made["secret"])
    password = _token(cloud, creds, username=user.username, **PASSWORD_FORM)
    assert (password.status_code, password.json()["error"]) == (400, "unauthorized_client")
    code = _token(cloud, creds, grant_type="authorization_code", code="nope")
    assert (code.status_code, code.json()["error"]) == (400, "invalid_grant")
    assert _token(cloud, creds, grant_type="client_credentials").status_code == 200


def test_a_refresh_token_works_once_and_only_for_its_client(
    cloud: FakeCloud, user: FakeUser
) -> None:
    login = _token(cloud, ("CLI2", "CLI2"), username=user.username, **PASSWORD_FORM).json()
    other = _token(
        cloud,
        ("particle", "particle"),
        grant_type="refresh_token",
        refresh_token=login["refresh_token"],
    )
    assert (other.status_code, other.json()["error"]) == (400, "invalid_grant")
    form = {"grant_type": "refresh_token", "refresh_token": login["refresh_token"]}
    assert _token(cloud, ("CLI2", "CLI2"), **form).status_code == 200
    assert _token(cloud, ("CLI2", "CLI2"), **form).status_code == 400  # used up


def test_deleting_a_client_ends_its_tokens(cloud: FakeCloud, user: FakeUser) -> None:
    made = _create_client(cloud, user, name="Short lived", type="installed")
    token = _token(cloud, (made["id"], made["secret"]), grant_type="client_credentials")
    with http_client(cloud, user.token) as http:
        assert http.delete(f"/v1/clients/{made['id']}").status_code == 204
    assert _me(cloud, token.json()["access_token"]) == 401
    again = _token(cloud, (made["id"], made["secret"]), grant_type="client_credentials")
    assert again.status_code == 401


# -- revoking a token ----------------------------------------------------------------------


def test_a_token_revokes_itself_with_no_credentials(cloud: FakeCloud, user: FakeUser) -> None:
    token = _token(cloud, username=user.username, **PASSWORD_FORM).json()["access_token"]
    answer = httpx.delete(f"{cloud.base_url}/v1/access_tokens/{token}")
    assert (answer.status_code, answer.json()) == (200, {"ok": True})
    assert _me(cloud, token) == 401
    again = httpx.delete(f"{cloud.base_url}/v1/access_tokens/{token}")
    assert again.status_code == 404
    assert _me(cloud, user.token) == 200  # the account's other tokens are untouched


def test_credentials_when_sent_must_be_right_and_the_owners(
    cloud: FakeCloud, user: FakeUser, other: FakeUser
) -> None:
    token = _token(cloud, username=user.username, **PASSWORD_FORM).json()["access_token"]
    url = f"{cloud.base_url}/v1/access_tokens/{token}"
    bad_basic = httpx.delete(url, auth=(user.username, "wrong"))
    bad_bearer = httpx.delete(url, headers=bearer("0" * 40))
    someone_else = httpx.delete(url, headers=bearer(other.token))
    assert [r.status_code for r in (bad_basic, bad_bearer, someone_else)] == [401, 401, 404]
    assert _me(cloud, token) == 200
    assert httpx.delete(url, headers=bearer(user.token)).status_code == 200


# -- lifetimes on the fake's clock ---------------------------------------------------------


def test_expires_in_and_expires_at_run_on_the_fakes_clock() -> None:
    clock = ManualClock()
    start = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    with FakeCloud(rate_limit=None, clock=clock, start_time=start) as cloud:
        name = cloud.user.username
        form = {"username": name, "grant_type": "password", "password": "password"}
        hour = _token(cloud, **form, expires_in="3600").json()
        dated = _token(cloud, **form, expires_at="2024-05-02").json()  # midnight UTC
        never = _token(cloud, **form, expires_in="0").json()
        assert (hour["expires_in"], dated["expires_in"], never["expires_in"]) == (3600, 43200, 0)
        with http_client(cloud, cloud.token) as http:
            listed = {
                t["token"]: t["expires_at"]
                for t in httpx.get(
                    f"{cloud.base_url}/v1/access_tokens", auth=(name, "password")
                ).json()
            }
            assert listed[hour["access_token"]] == "2024-05-01T13:00:00.000Z"
            assert listed[never["access_token"]] is None
            assert http.get("/v1/user").status_code == 200
        clock.now += 3599
        assert _me(cloud, hour["access_token"]) == 200
        clock.now += 1
        assert _me(cloud, hour["access_token"]) == 401  # exactly at expiry
        assert _me(cloud, dated["access_token"]) == 200
        clock.now += 43200 - 3600
        assert _me(cloud, dated["access_token"]) == 401
        clock.now += timedelta(days=400).total_seconds()
        assert _me(cloud, never["access_token"]) == 200
        assert _me(cloud, cloud.token) == 401  # the default user's 90-day token aged out


@pytest.mark.parametrize("expires_at", ["2024-04-30", "yesterday", "2024-05-01T11:00:00Z"])
def test_an_expires_at_in_the_past_or_unreadable_is_refused(expires_at: str) -> None:
    start = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    with FakeCloud(rate_limit=None, start_time=start) as cloud:
        form = {"username": cloud.user.username, "grant_type": "password", "password": "password"}
        answer = _token(cloud, **form, expires_at=expires_at)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid_request",
        "error_description": "Invalid expires_at parameter",
    }


# -- authentication before the body --------------------------------------------------------


def test_a_bad_json_body_without_a_token_is_about_the_token(
    cloud: FakeCloud, user: FakeUser
) -> None:
    device = cloud.add_device(owner=user)
    headers = {"Content-Type": "application/json"}
    with httpx.Client(base_url=cloud.base_url) as http:
        anonymous = http.put(f"/v1/devices/{device.id}", content=b"{not json", headers=headers)
        bad_token = http.put(
            f"/v1/devices/{device.id}",
            content=b"{not json",
            headers={**headers, **bearer("0" * 40)},
        )
        good_token = http.put(
            f"/v1/devices/{device.id}",
            content=b"{not json",
            headers={**headers, **bearer(user.token)},
        )
    assert (anonymous.status_code, anonymous.json()["error"]) == (400, "invalid_request")
    assert (bad_token.status_code, bad_token.json()["error"]) == (401, "invalid_token")
    assert (good_token.status_code, good_token.json()) == (
        400,
        {"ok": False, "error": "Unable to parse JSON body"},
    )


def test_a_form_body_may_still_carry_the_token(cloud: FakeCloud, user: FakeUser) -> None:
    device = cloud.add_device(owner=user)
    answer = httpx.put(
        f"{cloud.base_url}/v1/devices/{device.id}", data={"access_token": user.token, "name": "n"}
    )
    assert answer.status_code == 200
    assert device.name == "n"


# -- the 2014 era --------------------------------------------------------------------------


def test_the_2014_era_answers_a_flash_and_frames_ttl_as_the_spark_docs_did() -> None:
    with FakeCloud(rate_limit=None, era="2014", keepalive_interval=60) as cloud:
        device = cloud.add_device()
        with http_client(cloud, cloud.token) as http:
            files = {"file": ("app.cpp", b"void setup() {}\nvoid loop() {}\n")}
            flashed = http.put(f"/v1/devices/{device.id}", files=files)
            assert flashed.status_code == 200
            assert set(flashed.json()) == {"ok", "firmware_binary_id"}
            with http.stream("GET", "/v1/devices/events/t") as stream:
                sse = RawSSE(stream)
                assert sse.frame() == b":ok\n\n"
                device.publish("t", "1", ttl=60)
                assert b'"ttl":"60"' in sse.frame()


def test_the_current_era_keeps_the_newest_answers(cloud: FakeCloud, user: FakeUser) -> None:
    device = cloud.add_device(owner=user)
    with http_client(cloud, user.token) as http:
        files = {"file": ("app.bin", b"\x00binary")}
        flashed = http.put(f"/v1/devices/{device.id}", files=files)
    assert flashed.json() == {"id": device.id, "status": "Update started"}


def test_an_unknown_era_is_refused() -> None:
    with pytest.raises(ValueError, match="era"):
        FakeCloud(era="1999")
