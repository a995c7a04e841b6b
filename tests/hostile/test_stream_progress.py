"""Item 2: a stream is alive when lines complete, not when bytes arrive (slowloris)."""

from __future__ import annotations

import anyio
import pytest

from ._support import client, take
from .rawserver import Conn, frame, raw_server, sse

pytestmark = pytest.mark.anyio


async def slowloris(conn: Conn) -> None:
    """`:ok`, then one byte every 0.05 s that never becomes a line."""
    await conn.start_stream()
    while True:
        await conn.send(b"x")
        await anyio.sleep(0.05)


async def test_bytes_without_a_line_are_not_progress() -> None:
    async with raw_server(slowloris, sse(frame("x/1", "one"))) as server, client(server) as cloud:
        with anyio.fail_after(3):
            async with cloud.events.subscribe("x", idle_timeout=0.3) as stream:
                [event] = await take(stream, 1)
        assert event.name == "x/1"
        assert stream.stats.idle_timeouts >= 1
        assert server.opened >= 2


async def test_keepalive_comments_are_progress() -> None:
    """`:` every 0.1 s for 1 s, then an event: with idle 0.3 s nothing times out."""

    async def keepalives(conn: Conn) -> None:
        await conn.start_stream()
        for _ in range(10):
            await anyio.sleep(0.1)
            await conn.send(b":\n")
        await conn.send(frame("x/1", "one"))
        await conn.stall()

    async with raw_server(keepalives) as server, client(server) as cloud:
        with anyio.fail_after(5):
            async with cloud.events.subscribe("x", idle_timeout=0.3) as stream:
                [event] = await take(stream, 1)
        assert event.name == "x/1"
        assert stream.stats.idle_timeouts == 0
        assert stream.stats.comments >= 11  # ":ok" and ten keep-alives
        assert server.opened == 1
