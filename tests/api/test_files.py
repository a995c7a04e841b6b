"""`cloud.files`: downloads, and the token only ever sent to the API's own host."""

from __future__ import annotations

import httpx
import pytest
import respx

from particle_async import ClientClosedError, NotFoundError, Particle
from particle_async.resources.files import Files

from ..helpers import BASE, TOKEN, mocked_client

pytestmark = pytest.mark.anyio


async def test_download_api_path_with_token(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/binaries/5").respond(content=b"\x00\x01bin")
    assert await cloud.files.download("/v1/binaries/5") == b"\x00\x01bin"
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert await cloud.files.download(f"{BASE}/v1/binaries/5") == b"\x00\x01bin"
    assert route.call_count == 2
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_download_foreign_url_never_sends_the_token(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.get("https://cdn.example.com/libs/neopixel-1.0.0.tar.gz").respond(
        content=b"tarball"
    )
    data = await cloud.files.download("https://cdn.example.com/libs/neopixel-1.0.0.tar.gz")
    assert data == b"tarball"
    request = route.calls.last.request
    assert "Authorization" not in request.headers
    assert request.headers["User-Agent"].startswith("particle_async/")


async def test_download_lookalike_host_gets_no_token(cloud: Particle, router: respx.Router) -> None:
    route = router.get("https://api.particle.test.evil.com/x").respond(content=b"x")
    await cloud.files.download("https://api.particle.test.evil.com/x")
    assert "Authorization" not in route.calls.last.request.headers


async def test_download_errors_and_retries(cloud: Particle, router: respx.Router) -> None:
    route = router.get("https://cdn.example.com/f").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, content=b"ok")]
    )
    assert await Files(cloud._transport).download("https://cdn.example.com/f") == b"ok"
    assert route.call_count == 2
    router.get("https://cdn.example.com/missing").respond(404, text="<html>nope</html>")
    with pytest.raises(NotFoundError):
        await cloud.files.download("https://cdn.example.com/missing")
    with pytest.raises(ValueError, match="http"):
        await cloud.files.download("ftp://cdn.example.com/f")


async def test_download_after_close_is_refused(router: respx.Router) -> None:
    cloud, http = mocked_client(router)
    async with http:
        await cloud.aclose()
        with pytest.raises(ClientClosedError):
            await cloud.files.download("https://cdn.example.com/f")
