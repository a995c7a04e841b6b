"""The hub's wake-ups: batched on asyncio (`WakeBatch`), at once on trio; same events either way.

The batching exists for speed at 10,000 consumers (see `_wakeup.py`); these tests pin what
must not change with it: every consumer gets the same events in order, a waiter is woken
once per wait, a cancelled wait leaves nothing behind, and a burst still lets every fast
consumer keep up.
"""

from __future__ import annotations

import asyncio

import anyio
import pytest
from anyio.abc import TaskGroup

from particle_async import Event
from particle_async.streaming import Consumer, EventHub
from particle_async.streaming._hub import YIELD_EVERY
from particle_async.streaming._wakeup import BATCH, WakeBatch, Wakeup

from .fake_source import FakeSource

pytestmark = pytest.mark.anyio


class BurstSource(FakeSource):
    """Yields `names` in bursts without suspending between events (as one network read
    holding many frames does); waits for `release` before each burst, then for `aclose`."""

    def __init__(self, *bursts: list[str]):
        super().__init__()
        self._bursts = [list(b) for b in bursts]
        self._names: list[str] = []
        self.release = anyio.Event()
        self._closed = anyio.Event()

    async def __anext__(self) -> Event:
        while not self._names:
            if not self._bursts:
                await self._closed.wait()
                raise StopAsyncIteration
            await self.release.wait()
            self.release = anyio.Event()
            self._names = self._bursts.pop(0)
        self._stats.events += 1
        return Event(name=self._names.pop(0), data=str(self._stats.events))

    async def aclose(self) -> None:
        await super().aclose()
        self._closed.set()


async def read(consumer: Consumer, n: int, into: list[str]) -> None:
    async for event in consumer:
        into.append(event.name)
        if len(into) == n:
            return


def start_readers(tg: TaskGroup, consumers: list[Consumer], n: int) -> list[list[str]]:
    """A task per consumer reading `n` event names, each into its own list (returned)."""
    received: list[list[str]] = [[] for _ in consumers]
    for consumer, into in zip(consumers, received, strict=True):
        tg.start_soon(read, consumer, n, into)
    return received


async def wait_for_waiters(consumers: list[Consumer]) -> None:
    """Until every consumer's reader is parked on its wake-up (no sleeps: checkpoints)."""
    while not all(_waiting(c) for c in consumers):
        await anyio.lowlevel.checkpoint()


def _waiting(consumer: Consumer) -> bool:
    wakeup = consumer._wakeup
    return wakeup._future is not None or wakeup._event is not None


async def test_many_consumers_get_every_event_in_order_through_bursts() -> None:
    bursts = [[f"t/{b}/{i}" for i in range(3 * YIELD_EVERY + 5)] for b in range(3)]
    names = [name for burst in bursts for name in burst]
    source = BurstSource(*bursts)
    hub = EventHub(lambda: source)
    n = 4 * BATCH + 7  # several batches, the last one partial
    consumers = [hub.subscribe("t/", max_queue=len(names)) for _ in range(n)]
    other = hub.subscribe("u/")  # a prefix nothing matches: never woken, never fed
    async with hub:
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                received = start_readers(tg, consumers, len(names))
                total = 0
                for burst in bursts:
                    await wait_for_waiters(consumers)
                    source.release.set()
                    total += len(burst)
                    while not all(len(got) == total for got in received):
                        await anyio.lowlevel.checkpoint()
        assert hub.statistics().delivered == n * len(names)  # (attached consumers only)
    assert all(got == names for got in received)
    assert all(c.stats.delivered == len(names) and c.stats.dropped == 0 for c in consumers)
    assert other.queued == 0
    assert not _waiting(other)


async def test_a_burst_longer_than_the_queues_reaches_every_fast_consumer(
    anyio_backend: str,
) -> None:
    """The pump pauses every YIELD_EVERY events until every consumer it woke has run. On
    asyncio the wake-ups come in batches: if the pump went on once the last batch was
    woken but before it ran, those consumers would hold two rounds of events, more than
    a queue of YIELD_EVERY. (Trio may run the pump before the consumers it woke, in the
    same scheduling batch: two rounds at most.)"""
    rounds = 1 if anyio_backend == "asyncio" else 2
    names = [f"b{i}" for i in range(40 * YIELD_EVERY)]
    source = BurstSource(names)
    hub = EventHub(lambda: source)
    consumers = [
        hub.subscribe(max_queue=rounds * YIELD_EVERY, overflow="disconnect")
        for _ in range(8 * BATCH)
    ]
    async with hub:
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                received = start_readers(tg, consumers, len(names))
                await wait_for_waiters(consumers)
                source.release.set()
    assert all(c.stats.dropped == 0 for c in consumers)
    assert all(got == names for got in received)


async def test_slow_leaving_and_cancelled_consumers_mid_burst() -> None:
    names = [f"e{i}" for i in range(6 * YIELD_EVERY)]
    source = BurstSource(names)
    hub = EventHub(lambda: source)
    fast = [hub.subscribe(max_queue=len(names)) for _ in range(2 * BATCH)]
    leavers = [hub.subscribe(max_queue=len(names)) for _ in range(BATCH)]
    slow = [hub.subscribe(max_queue=10, overflow="drop_oldest") for _ in range(BATCH)]
    flaky = [hub.subscribe(max_queue=len(names)) for _ in range(BATCH)]
    got_leavers: list[list[str]] = [[] for _ in leavers]
    got_flaky: list[list[str]] = [[] for _ in flaky]
    scopes: list[anyio.CancelScope] = []
    recovered = 0

    async def leave_after(consumer: Consumer, k: int, into: list[str]) -> None:
        await read(consumer, k, into)
        await consumer.aclose()

    async def flaky_read(consumer: Consumer, into: list[str]) -> None:
        nonlocal recovered
        with anyio.CancelScope() as scope:  # its first wait is cancelled, then it reads on
            scopes.append(scope)
            await consumer.__anext__()
            into.append("not cancelled")
        assert not _waiting(consumer)  # the cancelled wait left no waiter behind
        recovered += 1
        await read(consumer, len(names), into)

    async with hub:
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                got_fast = start_readers(tg, fast, len(names))
                for i, (consumer, into) in enumerate(zip(leavers, got_leavers, strict=True)):
                    tg.start_soon(leave_after, consumer, 1 + i % (3 * YIELD_EVERY), into)
                for consumer, into in zip(flaky, got_flaky, strict=True):
                    tg.start_soon(flaky_read, consumer, into)
                await wait_for_waiters(fast + leavers + flaky)
                for scope in scopes:
                    scope.cancel()
                while recovered < len(flaky):
                    await anyio.lowlevel.checkpoint()
                await wait_for_waiters(flaky)
                source.release.set()
            for consumer in slow:  # never read during the burst: keeps only the newest 10
                assert [(await consumer.__anext__()).name for _ in range(10)] == names[-10:]
                assert consumer.stats.dropped == len(names) - 10
    assert all(got == names for got in got_fast)
    assert all(got == names for got in got_flaky)
    for i, got in enumerate(got_leavers):
        assert got == names[: 1 + i % (3 * YIELD_EVERY)]
    assert not any(c in hub.consumers for c in leavers)
    assert all(c.queued == 0 for c in leavers)


async def test_hub_close_ends_consumers_waiting_for_a_wake_up() -> None:
    names = [f"c{i}" for i in range(YIELD_EVERY)]
    source = BurstSource(names, ["never"])
    hub = EventHub(lambda: source)
    consumers = [hub.subscribe() for _ in range(3 * BATCH)]
    received: list[list[str]] = [[] for _ in consumers]

    async def read_to_end(consumer: Consumer, into: list[str]) -> None:
        async for event in consumer:
            into.append(event.name)

    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            async with hub:
                for consumer, into in zip(consumers, received, strict=True):
                    tg.start_soon(read_to_end, consumer, into)
                await wait_for_waiters(consumers)
                source.release.set()
                while not all(len(got) == len(names) for got in received):
                    await anyio.lowlevel.checkpoint()
                await wait_for_waiters(consumers)
    assert all(got == names for got in received)
    assert all(c.ended for c in consumers)


async def test_a_consumer_cancelled_with_its_wake_up_pending_loses_nothing() -> None:
    """An event arrives, then the waiting reader is cancelled before it runs (on asyncio:
    while its wake-up waits in the hub's batch). The event stays queued for the next read,
    and no wake-up is left pointing at the abandoned wait."""
    hub = EventHub(lambda: BurstSource())
    consumer = hub.subscribe()
    scopes: list[anyio.CancelScope] = []
    got: list[str] = []

    async def reader() -> None:
        with anyio.CancelScope() as scope:
            scopes.append(scope)
            got.append((await consumer.__anext__()).name)  # trio may deliver before the
        assert not _waiting(consumer)  # cancel lands: then it is simply not cancelled
        while len(got) < 2:
            got.append((await consumer.__anext__()).name)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            await wait_for_waiters([consumer])
            consumer.offer(Event(name="e1"))
            scopes[0].cancel()
            consumer.offer(Event(name="e2"))
    assert got == ["e1", "e2"]
    assert not _waiting(consumer)
    assert not hub._waker.busy
    assert consumer.stats.delivered == 2


# -- WakeBatch itself (asyncio: trio has no futures to batch) ------------------------------


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_wake_batch_sets_at_most_its_size_per_loop_iteration() -> None:
    wakeups = [Wakeup() for _ in range(2 * BATCH + 5)]
    futures = [w.wait() for w in wakeups]
    batch = WakeBatch()
    for wakeup in wakeups:
        batch.wake(wakeup)
        batch.wake(wakeup)  # a second wake before the first is made: the same wake-up
    assert batch.busy
    assert not any(_done(f) for f in futures)  # nothing before the loop runs
    for expected in (BATCH, 2 * BATCH, len(futures)):
        await asyncio.sleep(0)
        assert sum(_done(f) for f in futures) == expected
        assert all(_done(f) for f in futures[:expected])  # in the order given
    assert not batch.busy
    await asyncio.sleep(0)  # no stray flush left: setting a future twice would raise


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_wake_batch_skips_a_cancelled_wait() -> None:
    wakeups = [Wakeup() for _ in range(3)]
    futures = [w.wait() for w in wakeups]
    assert isinstance(futures[1], asyncio.Future)
    futures[1].cancel()
    batch = WakeBatch(size=2)
    for wakeup in wakeups:
        batch.wake(wakeup)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not batch.busy
    assert _done(futures[0])
    assert _done(futures[2])
    assert futures[1].cancelled()


def test_wake_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WakeBatch(size=0)


def _done(awaitable: object) -> bool:
    return isinstance(awaitable, asyncio.Future) and awaitable.done()
