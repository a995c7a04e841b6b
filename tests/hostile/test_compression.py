"""Item 7: a corrupt compressed body is a ParticleError (REST) or a reconnect (stream)."""

from __future__ import annotations

import gzip

import anyio
import httpx
import pytest

from particle_async import ResponseDecodeError

from ._support import client, take
from .rawserver import Conn, frame, raw_server, sse

pytestmark = pytest.mark.anyio

GARBAGE = b"\x1f\x8b\x08\x00this is not deflate data at all" * 4
TRUNCATED = gzip.compress(b'{"username": "someone@example.com"}' * 50)[:-40] + b"\xff" * 8


@pytest.mark.parametrize(
    "body", [GARBAGE, TRUNCATED, b"plain text, not gzip"], ids=["garbage", "truncated", "plain"]
)
async def test_corrupt_gzip_body_is_a_decode_error(body: bytes) -> None:
    async def script(conn: Conn) -> None:
        await conn.respond(200, body, {"Content-Encoding": "gzip"})

    async with raw_server(script) as server, client(server) as cloud:
        with anyio.fail_after(5), pytest.raises(ResponseDecodeError) as caught:
            await cloud.user.get()
    if body is not TRUNCATED:  # zlib yields a cut stream's prefix without complaint
        assert isinstance(caught.value.__cause__, httpx.DecodingError)


async def test_corrupt_gzip_stream_reconnects() -> None:
    async def corrupt(conn: Conn) -> None:
        await conn.start_stream(preamble=b"", headers={"Content-Encoding": "gzip"})
        await conn.send(GARBAGE)
        await conn.stall()

    async with raw_server(corrupt, sse(frame("x/1", "one"))) as server, client(server) as cloud:
        with anyio.fail_after(5):
            async with cloud.events.subscribe("x") as stream:
                [event] = await take(stream, 1)
    assert event.name == "x/1"
    assert server.opened == 2
    assert stream.stats.reconnects == 1
