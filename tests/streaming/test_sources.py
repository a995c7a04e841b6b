"""The hub on any `EventSource`, and the gap report of a reconnecting stream."""

from __future__ import annotations

import anyio
import pytest

from particle_async import Event, Particle
from particle_async.streaming import (
    BackoffPolicy,
    EventHub,
    EventSource,
    Gap,
    StreamState,
    StreamStatus,
)

from ..helpers import TOKEN, FakeClock
from .fake_source import FakeSource
from .sse_server import Conn, frame, scripted_server

pytestmark = pytest.mark.anyio


class ListSource(FakeSource):
    """An event source that is not an `EventStream`: a list, then the end."""

    def __init__(self, names: list[str]):
        super().__init__()
        self._names = list(names)
        self.release = anyio.Event()

    async def __anext__(self) -> Event:
        await self.release.wait()
        if not self._names:
            raise StopAsyncIteration
        self._stats.events += 1
        return Event(name=self._names.pop(0), data="1")

    async def aclose(self) -> None:
        await super().aclose()
        self._names.clear()
        self.release.set()


async def test_a_hub_fed_by_a_source_that_is_not_an_event_stream() -> None:
    source = ListSource(["a/1", "b/1", "a/2"])
    assert isinstance(source, EventSource)
    hub = EventHub(lambda: source)
    only_a = hub.subscribe("a/")
    everything = hub.subscribe()
    assert hub.state is StreamState.IDLE
    async with hub:
        assert hub.state is StreamState.CONNECTED
        source.release.set()
        with anyio.fail_after(5):
            got_a = [e.name async for e in only_a]
            got_all = [e.name async for e in everything]
    assert got_a == ["a/1", "a/2"]
    assert got_all == ["a/1", "b/1", "a/2"]
    stats = hub.statistics()
    assert stats.events_in == 3
    assert stats.source is not None
    assert stats.source.events == 3
    assert hub.state is StreamState.CLOSED


async def test_thirty_thousand_consumers_join_and_half_leave() -> None:
    hub = EventHub(lambda: ListSource([]))
    consumers = [hub.subscribe() for _ in range(30_000)]
    for consumer in consumers[::2]:
        await consumer.aclose()
    assert len(hub.consumers) == 15_000


async def test_a_reconnect_after_a_healthy_connection_reports_the_gap() -> None:
    back = anyio.Event()

    async def first(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("x/1", "1"))
        # then the server drops the connection

    async def second(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("x/2", "2"))
        back.set()
        await conn.wait_closed_by_client()

    statuses: list[StreamStatus] = []
    async with scripted_server(first, second) as server:
        async with Particle(
            token=TOKEN, base_url=server.url, rate_limiter=None, clock=FakeClock()
        ) as cloud:
            hub = cloud.events.hub(
                "x/", on_status=statuses.append, backoff=BackoffPolicy(initial=0.01)
            )
            consumer = hub.subscribe()
            async with hub:
                with anyio.fail_after(5):
                    names = [(await consumer.__anext__()).name for _ in range(2)]
            assert names == ["x/1", "x/2"]
    gaps = [s.gap for s in statuses if s.gap is not None]
    assert len(gaps) == 1
    gap = gaps[0]
    assert isinstance(gap, Gap)
    assert gap.seconds >= 0
    assert gap.ended_at >= gap.started_at
    assert consumer.stats.gaps == 1
    assert consumer.stats.last_gap == gap
    source = hub.statistics().source
    assert source is not None
    assert source.gaps == 1
    assert source.gap_seconds == gap.seconds
    first_connect = next(s for s in statuses if s.state is StreamState.CONNECTED)
    assert first_connect.gap is None  # the first connection ends no outage
