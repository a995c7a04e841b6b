"""The request path: headers, encodings, timeouts, lifecycle."""

from __future__ import annotations

import json
import pathlib

import httpx
import pytest
import respx

from particle_async import ClientClosedError, Particle, ParticleError, ResponseDecodeError
from particle_async._version import __version__

from ..helpers import BASE, TOKEN

pytestmark = pytest.mark.anyio


async def test_bearer_header_and_user_agent(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/devices").respond(json=[])
    await cloud.devices.list()
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"].startswith(f"particle_async/{__version__} ")
    assert "access_token" not in str(request.url)


async def test_function_call_sends_json(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/devices/dev1/brew").respond(
        json={"id": "dev1", "connected": True, "return_value": 42}
    )
    assert await cloud.devices.call_function("dev1", "brew", "202,230") == 42
    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"arg": "202,230"}


async def test_oauth_token_is_form_encoded_with_basic_client(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.post("/oauth/token").respond(
        json={"access_token": "a" * 40, "token_type": "bearer", "expires_in": 3600}
    )
    grant = await cloud.tokens.create("joe@example.com", "pw", expires_in=3600)
    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(httpx.QueryParams(request.content.decode())) == {
        "grant_type": "password",
        "username": "joe@example.com",
        "password": "pw",
        "expires_in": "3600",
    }
    assert request.headers["Authorization"] == "Basic cGFydGljbGU6cGFydGljbGU="  # particle:particle
    assert grant.expires_in == 3600
    assert grant.access_token == "a" * 40


async def test_per_call_timeout_override(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/devices/d/temp").respond(json={"name": "temp", "result": 1})
    await cloud.with_options(timeout=2.5).devices.get_variable("d", "temp")
    timeouts = route.calls.last.request.extensions["timeout"]
    assert timeouts == httpx.Timeout(2.5).as_dict()


async def test_default_timeouts_are_on(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/user").respond(json={"username": "u"})
    await cloud.user.get()
    timeouts = route.calls.last.request.extensions["timeout"]
    assert timeouts["connect"] == 10.0
    assert timeouts["read"] == 60.0


async def test_path_segments_are_escaped(cloud: Particle, router: respx.Router) -> None:
    route = router.get(url__regex=r".*/v1/devices/a%2Fb/x%3Fy$").respond(json={"result": 1})
    await cloud.devices.get_variable("a/b", "x?y")
    assert route.called


async def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTICLE_ACCESS_TOKEN", TOKEN)
    router = respx.Router(base_url=BASE)
    route = router.get("/v1/user").respond(json={"username": "u"})
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        Particle(base_url=BASE, http_client=http, rate_limiter=None) as cloud,
    ):
        await cloud.user.get()
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_missing_token_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARTICLE_ACCESS_TOKEN", raising=False)
    async with Particle(base_url=BASE) as cloud:
        with pytest.raises(ParticleError, match="no access token"):
            await cloud.devices.list()


async def test_closed_client_refuses_and_borrowed_client_stays_open(router: respx.Router) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    async with Particle(token=TOKEN, base_url=BASE, http_client=http) as cloud:
        pass
    assert not http.is_closed
    with pytest.raises(ClientClosedError):
        await cloud.devices.list()
    await cloud.aclose()  # twice is fine
    await http.aclose()


async def test_owned_client_is_closed() -> None:
    cloud = Particle(token=TOKEN, base_url=BASE)
    assert cloud._http is None  # built on first use: construction stays cheap
    rest = cloud.rest_http()
    stream = cloud.stream_http()
    await cloud.aclose()
    assert rest.is_closed
    assert stream.is_closed


async def test_non_json_success_body_is_a_decode_error(
    cloud: Particle, router: respx.Router
) -> None:
    router.get("/v1/user").respond(200, text="<html>hello</html>")
    with pytest.raises(ResponseDecodeError, match="expected JSON"):
        await cloud.user.get()


async def test_form_booleans_and_none_are_normalised(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/oauth/token").respond(json={"access_token": "x"})
    await cloud.tokens.create("u", "p")
    sent = dict(httpx.QueryParams(route.calls.last.request.content.decode()))
    assert "expires_in" not in sent
    assert "expires_at" not in sent


async def test_multipart_upload_reports_progress(
    cloud: Particle, router: respx.Router, tmp_path: pathlib.Path
) -> None:
    firmware = tmp_path / "app.bin"
    firmware.write_bytes(bytes(range(256)) * 400)
    route = router.put("/v1/devices/d").respond(json={"ok": True})
    seen: list[tuple[int, int]] = []
    with firmware.open("rb") as handle:
        await cloud._transport.request(
            "PUT",
            "/v1/devices/d",
            files={"file": ("app.bin", handle, "application/octet-stream")},
            form={"file_type": "binary"},
            idempotent=False,
            progress=lambda sent, total: seen.append((sent, total)),
        )
    body = route.calls.last.request.content
    assert bytes(range(256)) * 400 in body
    assert b'name="file_type"' in body
    total = len(body)
    assert seen[0] == (0, total)
    assert seen[-1] == (total, total)
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)
