"""Opening many streams at once: so many connect at a time, and the others wait their turn.

Thousands of streams opened together (or reconnecting together after an outage) used to
be handed to httpx all at once; each stream's connect timeout ran while its request sat
in httpcore's queue, so on a busy machine they timed out and retried together. The
client's gate (`Particle(max_stream_opens=...)`) lets that many opens be in flight.
"""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from particle_async import ConfigurationError, Particle
from particle_async.streaming import BackoffPolicy, EventStream, StreamState, StreamStatus

from ._support import TOKEN, client, take
from .rawserver import Conn, frame, raw_server

pytestmark = pytest.mark.anyio

FAST = BackoffPolicy(initial=0.01, cap=0.02)


async def in_the_gate(cloud: Particle, count: int) -> None:
    """Until `count` streams wait their turn. The gate signals nothing, so this yields to
    the loop until they have checked in: a bounded spin, no clock involved."""
    with anyio.fail_after(5):
        while cloud._stream_gate.waiting < count:
            await anyio.lowlevel.checkpoint()


class HeldOpens:
    """A server script that answers each stream's request only when the test says so,
    and records how many requests were waiting for an answer at most."""

    def __init__(self) -> None:
        self.waiting = 0
        self.most_waiting = 0
        self.answer = anyio.Event()

    async def __call__(self, conn: Conn) -> None:
        self.waiting += 1
        self.most_waiting = max(self.most_waiting, self.waiting)
        await self.answer.wait()
        self.waiting -= 1
        await conn.start_stream()
        await conn.send(frame("x/1", str(conn.index)))
        await conn.stall()


async def test_streams_connect_so_many_at_a_time() -> None:
    held = HeldOpens()
    async with raw_server(held) as server, client(server, max_stream_opens=3) as cloud:
        streams = [cloud.events.subscribe("x", backoff=FAST) for _ in range(10)]
        got: list[str | None] = []

        async def read(stream: EventStream) -> None:
            [event] = await take(stream, 1)
            got.append(event.data)

        async with anyio.create_task_group() as tg:
            for stream in streams:
                tg.start_soon(read, stream)
            await server.wait_requests(3)
            await in_the_gate(cloud, 7)
            # the seven others wait in the gate, not in httpx: nothing else was sent
            assert held.waiting == cloud._stream_gate.opening == 3
            assert len(server.requests) == server.opened == 3
            held.answer.set()
        for stream in streams:
            await stream.aclose()
    assert sorted(got, key=int) == [str(i) for i in range(10)]
    assert held.most_waiting == 3
    assert all(stream.stats.reconnects == 0 for stream in streams)


async def test_the_connect_timeout_starts_once_a_stream_is_let_in() -> None:
    """One open at a time: the first request is never answered and times out (0.3 s);
    the second stream waited all that while in the gate, and connects at its first try."""

    async def never(conn: Conn) -> None:
        await conn.stall()

    async def stream_one(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("x/1", "late"))
        await conn.stall()

    statuses: list[StreamStatus] = []
    async with (
        raw_server(never, stream_one) as server,
        client(server, max_stream_opens=1) as cloud,
    ):
        first = cloud.events.subscribe("x", connect_timeout=0.3, backoff=FAST)
        second = cloud.events.subscribe(
            "x", connect_timeout=0.3, backoff=FAST, on_status=statuses.append
        )
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(take, first, 1)
                await server.wait_requests(1)
                [event] = await take(second, 1)
                tg.cancel_scope.cancel()
        await first.aclose()
        await second.aclose()
    assert event.data == "late"
    assert second.stats.reconnects == 0
    assert [s.state for s in statuses][:2] == [StreamState.CONNECTING, StreamState.CONNECTED]


async def test_derived_clients_share_the_gate() -> None:
    held = HeldOpens()
    async with raw_server(held) as server, client(server, max_stream_opens=2) as cloud:
        other = cloud.with_options(timeout=5)
        streams = [cloud.events.subscribe("x"), other.events.subscribe("x")]
        streams += [cloud.events.subscribe("x"), other.events.subscribe("x")]
        async with anyio.create_task_group() as tg:
            for stream in streams:
                tg.start_soon(take, stream, 1)
            await server.wait_requests(2)
            await in_the_gate(cloud, 2)
            assert held.waiting == server.opened == 2
            held.answer.set()
        for stream in streams:
            await stream.aclose()
    assert held.most_waiting == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10", None])
def test_max_stream_opens_must_be_a_count(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="max_stream_opens"):
        Particle(token=TOKEN, max_stream_opens=bad)  # type: ignore[arg-type]
