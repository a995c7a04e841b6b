"""The relay under a real uvicorn server on 127.0.0.1, against the embedded fake cloud,
with real HTTP clients as browsers. Nothing here sleeps to wait: every wait is on an
event (response headers, the fake's stream count, the app's relay count) under a
bounded timeout."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
from httpx_sse import EventSource, ServerSentEvent

from particle_async.testing import FakeCloud

from .app import create_app
from .harness import TIMEOUT, serve

pytestmark = pytest.mark.anyio


@contextlib.asynccontextmanager
async def browser(
    base_url: str, prefix: str | None
) -> AsyncIterator[AsyncIterator[ServerSentEvent]]:
    """A browser's EventSource: returns once the response headers are in (by then the
    app has subscribed its consumer); yields the parsed events."""
    params = {"prefix": prefix} if prefix is not None else {}
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client,
        client.stream("GET", "/events", params=params) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventSource(response).aiter_sse()


async def take(events: AsyncIterator[ServerSentEvent], n: int) -> list[tuple[str, str, str]]:
    """The next n events as (name, data, coreid), within a bounded time."""
    got: list[tuple[str, str, str]] = []
    with anyio.fail_after(TIMEOUT):
        while len(got) < n:
            sse = await events.__anext__()
            if not sse.data:
                continue  # the `retry:` preamble; a browser dispatches no event for it
            envelope = json.loads(sse.data)
            got.append((sse.event, envelope["data"], envelope["coreid"]))
    return got


async def test_two_browsers_share_one_upstream(fake_cloud: FakeCloud) -> None:
    alpha = fake_cloud.device("alpha")
    app = create_app(token=fake_cloud.token, base_url=fake_cloud.base_url)
    async with serve(app) as url:
        async with browser(url, "temp") as browser_a:
            async with browser(url, None) as browser_b:
                await fake_cloud.wait_for_streams(1, timeout=TIMEOUT)
                hub = app.state.hub
                assert len(hub.consumers) == 2
                assert app.state.relays.active == 2

                alpha.publish("temp", "21.7")
                alpha.publish("humidity", "40")
                alpha.publish("temperature", "22.0")

                assert await take(browser_a, 2) == [
                    ("temp", "21.7", alpha.id),
                    ("temperature", "22.0", alpha.id),
                ]
                assert await take(browser_b, 3) == [
                    ("temp", "21.7", alpha.id),
                    ("humidity", "40", alpha.id),
                    ("temperature", "22.0", alpha.id),
                ]
                assert fake_cloud.open_streams == 1  # one upstream serves both browsers

            # Browser B hung up: its relay notices and closes its consumer.
            with anyio.fail_after(TIMEOUT):
                await app.state.relays.wait_for(1)
            assert [c.prefix for c in hub.consumers] == ["temp"]
            assert fake_cloud.open_streams == 1

            alpha.publish("temp", "23.1")  # the remaining browser still receives
            assert await take(browser_a, 1) == [("temp", "23.1", alpha.id)]

        with anyio.fail_after(TIMEOUT):
            await app.state.relays.wait_for(0)
        assert hub.consumers == ()

        async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
            health = (await client.get("/healthz")).json()
        assert health["upstream"] == "connected"
        assert health["browsers"] == 0
        assert health["events_in"] == 4
    await fake_cloud.wait_for_streams(0, timeout=TIMEOUT)  # lifespan closed the upstream


async def test_call_function_and_error_mapping(fake_cloud: FakeCloud) -> None:
    alpha = fake_cloud.device("alpha")
    beta = fake_cloud.device("beta")
    app = create_app(token=fake_cloud.token, base_url=fake_cloud.base_url)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        answer = await client.post(f"/devices/{alpha.id}/functions/brew", json={"arg": "coffee"})
        assert answer.status_code == 200
        assert answer.json() == {"return_value": 6}  # the fake's brew returns len(arg)
        assert alpha.calls == [("brew", "coffee")]

        no_body = await client.post(f"/devices/{beta.id}/functions/reset")
        assert no_body.json() == {"return_value": 1}

        unknown = await client.post(f"/devices/{alpha.id}/functions/nope")
        assert unknown.status_code == 404

        beta.go_offline()
        offline = await client.post(f"/devices/{beta.id}/functions/reset")
        assert offline.status_code == 504


async def test_keepalive_comment_when_idle(fake_cloud: FakeCloud) -> None:
    app = create_app(token=fake_cloud.token, base_url=fake_cloud.base_url, keepalive=0.05)
    async with (
        serve(app) as url,
        httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client,
        client.stream("GET", "/events", params={"prefix": "temp"}) as response,
    ):
        lines = response.aiter_lines()
        with anyio.fail_after(TIMEOUT):
            assert await lines.__anext__() == "retry: 3000"
            assert await lines.__anext__() == ":ok"
            assert await lines.__anext__() == ""
            assert await lines.__anext__() == ": keep-alive"


async def test_prefix_outside_the_upstream_is_refused(fake_cloud: FakeCloud) -> None:
    app = create_app(token=fake_cloud.token, base_url=fake_cloud.base_url, upstream_prefix="temp")
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        assert (await client.get("/events", params={"prefix": "humidity"})).status_code == 400
