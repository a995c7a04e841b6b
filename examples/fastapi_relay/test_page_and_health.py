"""The page, `/healthz` following the upstream, CORS, and the unnamed frame format: the
relay under a real uvicorn server against the fake cloud, with httpx as the browser."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest

from particle_async.streaming import StreamState
from particle_async.testing import FakeCloud

from .app import create_app
from .harness import TIMEOUT, serve

pytestmark = pytest.mark.anyio

PAGE_ORIGIN = "http://page.example"


async def test_the_page_is_served(fake_cloud: FakeCloud) -> None:
    app = create_app(token=fake_cloud.token, base_url=fake_cloud.base_url)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for needle in ('id="status"', 'id="events"', 'id="reconnects"', "new EventSource("):
        assert needle in page.text


async def test_healthz_is_503_while_the_upstream_is_not_connected(fake_cloud: FakeCloud) -> None:
    app = create_app(token=fake_cloud.token, base_url=fake_cloud.base_url)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        healthy = await client.get("/healthz")
        assert healthy.status_code == 200
        assert healthy.json()["upstream"] == "connected"
        upstream = app.state.upstream

        fake_cloud.faults.fail_next(1000, status=503)  # every reconnect is refused
        fake_cloud.faults.drop_streams()
        with anyio.fail_after(TIMEOUT):
            await upstream.wait_for(StreamState.RECONNECTING)
        down = await client.get("/healthz")
        assert down.status_code == 503
        assert down.json()["upstream"] == "reconnecting"

        fake_cloud.faults.reset()  # the next attempt gets through
        with anyio.fail_after(TIMEOUT):
            await upstream.wait_for(StreamState.CONNECTED)
        back = await client.get("/healthz")
        assert back.status_code == 200
        assert back.json()["reconnects"] == 1


async def test_cors_lets_a_page_served_elsewhere_read_events(fake_cloud: FakeCloud) -> None:
    app = create_app(
        token=fake_cloud.token, base_url=fake_cloud.base_url, cors_origins=[PAGE_ORIGIN]
    )
    headers = {"Origin": PAGE_ORIGIN}
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        async with client.stream("GET", "/events", headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["access-control-allow-origin"] == PAGE_ORIGIN
        preflight = await client.options(
            "/devices/x/functions/brew",
            headers={
                **headers,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]
        other = await client.get("/healthz", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_without_cors_origins_no_cors_headers(fake_cloud: FakeCloud) -> None:
    app = create_app(token=fake_cloud.token, base_url=fake_cloud.base_url, cors_origins=[])
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        answer = await client.get("/healthz", headers={"Origin": PAGE_ORIGIN})
    assert "access-control-allow-origin" not in answer.headers


async def test_message_format_carries_the_name_in_the_json(fake_cloud: FakeCloud) -> None:
    alpha = fake_cloud.device("alpha")
    app = create_app(token=fake_cloud.token, base_url=fake_cloud.base_url)
    params = {"prefix": "temp", "format": "message"}
    async with (
        serve(app) as url,
        httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client,
        client.stream("GET", "/events", params=params) as response,
    ):
        alpha.publish("temp", "21.7")
        lines = response.aiter_lines()
        with anyio.fail_after(TIMEOUT):
            data = [line async for line in _until_data(lines)]
    assert not any(line.startswith("event:") for line in data)
    envelope = json.loads(data[-1].removeprefix("data: "))
    assert envelope["event"] == "temp"
    assert envelope["data"] == "21.7"
    assert envelope["coreid"] == alpha.id


async def _until_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The lines up to and including the first `data:` line."""
    async for line in lines:
        yield line
        if line.startswith("data:"):
            return
