"""Item 5: no envelope value may raise out of a stream or kill a hub's pump."""

from __future__ import annotations

import anyio
import pytest

from particle_async import Event
from particle_async.streaming import Consumer

from ._support import client, take
from .rawserver import Conn, frame, raw_frame, raw_server

pytestmark = pytest.mark.anyio

COREID = "c0ffee0123456789abcdef01"
STAMP = b'"2026-01-01T00:00:00.000Z"'


def envelope(ttl: bytes = b"60", published_at: bytes = STAMP, extra: bytes = b"") -> bytes:
    """Particle's envelope as raw bytes, so non-JSON numbers like Infinity go out as is."""
    return (
        b'{"data":"bad","ttl":' + ttl + b',"published_at":' + published_at
        + b',"coreid":"' + COREID.encode() + b'"' + extra + b"}"
    )  # fmt: skip


HOSTILE = {
    "ttl-Infinity": envelope(ttl=b"Infinity"),
    "ttl--Infinity": envelope(ttl=b"-Infinity"),
    "ttl-NaN": envelope(ttl=b"NaN"),
    "ttl-str-1e999": envelope(ttl=b'"1e999"'),
    "ttl-1e400": envelope(ttl=b"1e400"),
    "published-1e300": envelope(published_at=b"1e300"),
    "published--1e300": envelope(published_at=b"-1e300"),
    "published-NaN": envelope(published_at=b"NaN"),
    "offset-+99:99": envelope(published_at=b'"2026-01-01T00:00:00+99:99"'),
    "offset-+9999": envelope(published_at=b'"2026-01-01T00:00:00+9999"'),
    "version-Infinity": envelope(extra=b',"version":Infinity'),
    "productID-1e999": envelope(extra=b',"productID":"1e999"'),
}
CASES = pytest.mark.parametrize("line", list(HOSTILE.values()), ids=list(HOSTILE))


def hostile_then_good(line: bytes, gate: anyio.Event | None = None):  # type: ignore[no-untyped-def]
    async def script(conn: Conn) -> None:
        await conn.start_stream()
        if gate is not None:
            await gate.wait()
        await conn.send(raw_frame("x/bad", line) + frame("x/good", "fine"))
        await conn.stall()

    return script


def assert_flagged(event: Event, line: bytes) -> None:
    assert event.name == "x/bad"
    assert event.malformed is True
    # Nothing is dropped: the envelope (or, failing that, the line itself) is kept.
    assert event.raw.get("coreid") == COREID or event.data == line.decode()


@CASES
async def test_hostile_envelope_is_delivered_flagged(line: bytes) -> None:
    async with raw_server(hostile_then_good(line)) as server, client(server) as cloud:
        async with cloud.events.subscribe("x") as stream:
            bad, good = await take(stream, 2)
    assert_flagged(bad, line)
    assert (good.name, good.data, good.malformed) == ("x/good", "fine", False)
    assert stream.stats.malformed == 1
    assert server.opened == 1  # no reconnect needed either


@CASES
async def test_hostile_envelope_is_skipped_by_policy(line: bytes) -> None:
    async with raw_server(hostile_then_good(line)) as server, client(server) as cloud:
        async with cloud.events.subscribe("x", malformed="skip") as stream:
            [good] = await take(stream, 1)
    assert good.name == "x/good"
    assert stream.stats.skipped == 1


@CASES
async def test_hostile_envelope_does_not_kill_a_hub(line: bytes) -> None:
    gate = anyio.Event()
    async with raw_server(hostile_then_good(line, gate)) as server, client(server) as cloud:
        async with cloud.events.hub("x") as hub:
            everything: Consumer = hub.subscribe("x")
            goods_only: Consumer = hub.subscribe("x/good")
            gate.set()
            bad, good = await take(everything, 2)
            [also_good] = await take(goods_only, 1)
            assert hub.stream is not None
            assert not hub.stream.closed
    assert_flagged(bad, line)
    assert good.name == also_good.name == "x/good"
