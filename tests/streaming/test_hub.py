"""EventHub: one upstream, many consumers; slow consumers only ever hurt themselves."""

from __future__ import annotations

import anyio
import pytest

from particle_async import UnauthorizedError
from particle_async.streaming import Consumer, ConsumerOverflowError, EventHub, Overflow

from .sse_server import Conn, client, frame, scripted_server

pytestmark = pytest.mark.anyio


def gated_script(gate: anyio.Event, names: list[str]):  # type: ignore[no-untyped-def]
    async def script(conn: Conn) -> None:
        await conn.start_stream()
        await gate.wait()
        await conn.send(b"".join(frame(name, str(i)) for i, name in enumerate(names)))
        await conn.wait_closed_by_client()

    return script


async def drain(consumer: Consumer, n: int, into: list[str]) -> None:
    async for event in consumer:
        into.append(event.name)
        if len(into) == n:
            return


async def test_thousand_consumers_one_stuck() -> None:
    n_events = 200
    names = [f"temp/{i}" for i in range(n_events)]
    gate = anyio.Event()
    async with scripted_server(gated_script(gate, names)) as server, client(server) as cloud:
        async with cloud.events.hub() as hub:
            stuck = hub.subscribe("temp", max_queue=10, overflow="drop_oldest")
            consumers = [hub.subscribe("temp", max_queue=n_events) for _ in range(999)]
            received: list[list[str]] = [[] for _ in consumers]
            with anyio.fail_after(20):
                async with anyio.create_task_group() as tg:
                    for consumer, into in zip(consumers, received, strict=True):
                        tg.start_soon(drain, consumer, n_events, into)
                    gate.set()
            assert all(got == names for got in received)
            assert stuck.stats.dropped == n_events - 10
            assert [e.name async for e in _take_queued(stuck)] == names[-10:]
            assert hub.events_in == n_events
        assert len(server.connections) == 1  # one upstream for all of them


async def _take_queued(consumer: Consumer):  # type: ignore[no-untyped-def]
    for _ in range(consumer.queued):
        yield await consumer.__anext__()


@pytest.mark.parametrize("policy", [Overflow.DROP_NEWEST, Overflow.DISCONNECT])
async def test_overflow_policies(policy: Overflow) -> None:
    names = [f"e{i}" for i in range(20)]
    gate = anyio.Event()
    async with scripted_server(gated_script(gate, names)) as server, client(server) as cloud:
        async with cloud.events.hub() as hub:
            slow = hub.subscribe(max_queue=5, overflow=policy)
            witness = hub.subscribe(max_queue=100)
            got: list[str] = []
            with anyio.fail_after(5):
                gate.set()
                await drain(witness, 20, got)
            assert got == names
            if policy is Overflow.DROP_NEWEST:
                assert slow.stats.dropped == 15
                assert [e.name async for e in _take_queued(slow)] == names[:5]
            else:
                assert slow.stats.dropped == 1  # the one that overflowed; then it was cut off
                seen = []
                with pytest.raises(ConsumerOverflowError):
                    async for event in slow:
                        seen.append(event.name)
                assert seen == names[:5]  # what was queued is still delivered first
                assert slow not in hub.consumers


async def test_consumers_join_and_leave_while_events_flow() -> None:
    sent = anyio.Event()
    more = anyio.Event()

    async def script(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("a/1", "1") + frame("b/1", "1"))
        await more.wait()
        await conn.send(frame("a/2", "2") + frame("b/2", "2"))
        sent.set()
        await conn.wait_closed_by_client()

    async with scripted_server(script) as server, client(server) as cloud:
        hub = cloud.events.hub()
        a = hub.subscribe("a/")  # before the hub starts: nothing can slip past
        leaver = hub.subscribe()
        async with hub:
            got_a: list[str] = []
            with anyio.fail_after(5):
                await drain(a, 1, got_a)
                await leaver.aclose()
                b = hub.subscribe("b/")
                more.set()
                await drain(a, 2, got_a)
                got_b: list[str] = []
                await drain(b, 1, got_b)
            assert got_a == ["a/1", "a/2"]
            assert got_b == ["b/2"]  # joined after b/1 went by
            assert leaver not in hub.consumers
            assert leaver.queued == 0


async def test_upstream_refusal_raises_at_hub_start() -> None:
    async def refuse(conn: Conn) -> None:
        await conn.respond(401, b'{"error":"invalid_token"}')

    async with scripted_server(refuse) as server, client(server) as cloud:
        with pytest.raises(UnauthorizedError):
            async with cloud.events.hub():
                pass
        assert len(server.connections) == 1


async def test_upstream_failure_reaches_every_consumer() -> None:
    async def first(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("x", "1"))

    async def refuse(conn: Conn) -> None:
        await conn.respond(401, b'{"error":"invalid_token"}')

    async with scripted_server(first, refuse) as server, client(server) as cloud:
        hub = cloud.events.hub()
        consumers = [hub.subscribe() for _ in range(3)]
        async with hub:
            for consumer in consumers:
                got: list[str] = []
                with anyio.fail_after(5), pytest.raises(UnauthorizedError):
                    await drain(consumer, 2, got)
                assert got == ["x"]
            late = hub.subscribe()
            with pytest.raises(UnauthorizedError):
                await late.__anext__()


async def test_several_hubs_in_one_task_group() -> None:
    gate = anyio.Event()
    async with scripted_server(gated_script(gate, ["a", "b", "c"])) as server:
        async with client(server) as cloud:
            hubs: list[EventHub] = [cloud.events.hub(), cloud.events.hub(device="d1")]
            results: list[list[str]] = [[], []]

            async def run(hub: EventHub, into: list[str]) -> None:
                async with hub:
                    consumer = hub.subscribe()
                    await drain(consumer, 3, into)

            with anyio.fail_after(5):
                async with anyio.create_task_group() as tg:
                    for hub, into in zip(hubs, results, strict=True):
                        tg.start_soon(run, hub, into)
                    while len(server.connections) < 2:
                        await anyio.lowlevel.checkpoint()
                    gate.set()
            assert results == [["a", "b", "c"], ["a", "b", "c"]]
            assert sorted(c.path for c in server.connections) == [
                "/v1/devices/d1/events",
                "/v1/devices/events",
            ]


async def test_a_burst_larger_than_the_queue_reaches_a_fast_consumer() -> None:
    names = [f"b{i}" for i in range(2000)]  # one write: far more than max_queue per read
    gate = anyio.Event()
    async with scripted_server(gated_script(gate, names)) as server, client(server) as cloud:
        hub = cloud.events.hub()
        fast = hub.subscribe(max_queue=100)
        async with hub:
            got: list[str] = []
            with anyio.fail_after(10):
                gate.set()
                await drain(fast, 2000, got)
        assert got == names
        assert fast.stats.dropped == 0
