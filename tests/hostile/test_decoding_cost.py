"""Item 6: SSE decoding costs CPU linear in the bytes, whatever the chunking."""

from __future__ import annotations

import json
import time

import pytest

from particle_async.streaming import SSEDecoder

from ._support import client, take
from .rawserver import Conn, raw_server

LINE_BYTES = 250_000
BUDGET = 2.0  # CPU seconds for 1-byte chunks; linear decoding needs ~0.1 s, quadratic ~17 s


def feed_all(data: bytes, size: int) -> tuple[list[tuple[str, str]], float]:
    """Feed `data` in `size`-byte chunks; give up early once past the budget."""
    decoder = SSEDecoder()
    events: list[tuple[str, str]] = []
    start = time.process_time()
    for offset in range(0, len(data), size):
        events += decoder.feed(data[offset : offset + size])
        if offset % 4096 == 0 and time.process_time() - start > BUDGET:
            pytest.fail(f"{size}-byte chunks: over {BUDGET}s of CPU at byte {offset}")
    return events, time.process_time() - start


def test_long_line_in_one_byte_chunks_is_linear() -> None:
    data = b"data: " + b"a" * LINE_BYTES + b"\n\n"
    big_events, big_cpu = feed_all(data, 64 * 1024)
    small_events, small_cpu = feed_all(data, 1)
    assert small_events == big_events == [("message", "a" * LINE_BYTES)]
    assert small_cpu < BUDGET, f"1-byte chunks {small_cpu:.2f}s vs 64 KB chunks {big_cpu:.4f}s"


@pytest.mark.anyio
async def test_stream_delivers_a_big_event_sent_in_tiny_pieces() -> None:
    payload = "b" * LINE_BYTES
    envelope = {"data": payload, "ttl": 60, "published_at": "2026-01-01T00:00:00.000Z"}
    body = b"event: x/big\ndata: " + json.dumps(envelope).encode() + b"\n\n"

    async def trickler(conn: Conn) -> None:
        conn.nodelay()
        await conn.start_stream()
        await conn.trickle(body, size=32)  # ~8,000 sends, each its own segment
        await conn.stall()

    async with raw_server(trickler) as server, client(server) as cloud:
        start = time.process_time()
        async with cloud.events.subscribe("x") as stream:
            [event] = await take(stream, 1, within=15)
        cpu = time.process_time() - start
    assert event.data == payload
    assert stream.stats.bytes >= len(body)
    assert cpu < 5, f"{cpu:.2f}s of CPU for one 250 KB event"
