"""Items 1 and 3: a stream must not hang on a silent server, nor spin on a wrong answer."""

from __future__ import annotations

import time

import anyio
import pytest

from particle_async import StreamError
from particle_async.streaming import BackoffPolicy, StreamState, StreamStatus

from ._support import NetworkTimeoutError, client, take
from .rawserver import Conn, frame, raw_server, silent, sse

pytestmark = pytest.mark.anyio

FAST = BackoffPolicy(initial=0.01, cap=0.02)


async def head_then_nothing(conn: Conn) -> None:
    """The status line, then silence: the head never completes."""
    await conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n")
    await conn.stall()


@pytest.mark.parametrize("hang", [silent, head_then_nothing], ids=["no-bytes", "half-head"])
async def test_no_response_head_times_out_and_reconnects(hang: object) -> None:
    statuses: list[StreamStatus] = []
    async with raw_server(hang, sse(frame("x/1", "one"))) as server, client(server) as cloud:  # type: ignore[arg-type]
        with anyio.fail_after(5):
            async with cloud.events.subscribe(
                "x", connect_timeout=0.3, backoff=FAST, on_status=statuses.append
            ) as stream:
                [event] = await take(stream, 1)
        assert event.name == "x/1"
        assert server.opened >= 2
        errors = [s.error for s in statuses if s.state is StreamState.RECONNECTING and s.error]
        assert errors, statuses
        assert isinstance(errors[0], NetworkTimeoutError), errors[0]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirect_is_a_stream_error_not_a_loop(status: int) -> None:
    async def redirect(conn: Conn) -> None:
        await conn.respond(status, b"", {"Location": "http://127.0.0.1:9/elsewhere"})

    async with raw_server(redirect) as server, client(server) as cloud:
        with anyio.fail_after(5), pytest.raises(StreamError):
            async with cloud.events.subscribe("x", backoff=FAST):
                pass
        assert len(server.requests) == 1


async def test_html_200_backs_off_like_a_server_error() -> None:
    """A captive portal's page: real time, real backoff; at most a handful of requests."""

    async def portal(conn: Conn) -> None:
        await conn.respond(200, b"<html>log in</html>", content_type="text/html")

    statuses: list[StreamStatus] = []
    async with raw_server(portal) as server:
        cloud = client(server, clock=None)  # the real clock: the backoff really waits
        async with cloud:
            start = time.monotonic()
            with anyio.move_on_after(1.5):
                async with cloud.events.subscribe(
                    "x",
                    backoff=BackoffPolicy(initial=0.2, cap=1.0),
                    on_status=statuses.append,
                ):
                    pytest.fail("an HTML page is not an event stream")
            elapsed = time.monotonic() - start
    assert 1 <= len(server.requests) <= 5, (len(server.requests), elapsed)
    waits = [s for s in statuses if s.state is StreamState.RECONNECTING and s.delay]
    assert waits, statuses
    assert all(s.delay is not None and s.delay > 0 for s in waits)
    assert isinstance(waits[0].error, StreamError), waits[0].error
