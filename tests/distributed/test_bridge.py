"""EventBridge against a real redis-server and the fake cloud: one leader, one upstream,
workers in a consumer group, failover, fencing, gaps, reclaiming, Redis restarts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import pytest
import redis.asyncio

from particle_async import Particle
from particle_async.distributed import (
    GAP_EVENT,
    BridgeConsumer,
    BridgeEvent,
    EventBridge,
    UnsupportedBackendError,
)
from particle_async.distributed._entries import decode_entry
from particle_async.distributed.testing import RedisServer
from particle_async.streaming import BackoffPolicy, StreamState, StreamStatus
from particle_async.testing import FakeCloud

from .conftest import client

pytestmark = pytest.mark.anyio

FAST = {"backoff": BackoffPolicy(initial=0.01, cap=0.05, healthy_after=0.05)}


@pytest.fixture
def cloud() -> Any:
    with FakeCloud(rate_limit=None) as fake:
        yield fake


class Roles:
    """Records each bridge's role changes; `wait_leader()` waits for the next leader."""

    def __init__(self) -> None:
        self.leaders: list[str] = []
        self.connects = 0
        self.changed = anyio.Event()

    def _changed(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()

    def callback(self, owner: str) -> Callable[[bool], None]:
        def on_role(leading: bool) -> None:
            if leading:
                self.leaders.append(owner)
            self._changed()

        return on_role

    def on_status(self, status: StreamStatus) -> None:
        if status.state is StreamState.CONNECTED:
            self.connects += 1
            self._changed()

    async def wait_leader(self, count: int) -> str:
        while len(self.leaders) < count:
            await self.changed.wait()
        return self.leaders[count - 1]

    async def wait_connected(self, count: int) -> None:
        """Until the leaders' upstream connected `count` times in all."""
        while self.connects < count:
            await self.changed.wait()


@asynccontextmanager
async def fleet(
    fake: FakeCloud,
    server: RedisServer,
    n: int,
    roles: Roles,
    *,
    ttl: float = 0.3,
    prefix: str = "temp",
) -> AsyncIterator[list[EventBridge]]:
    """n bridges, each with its own Particle client and Redis connection ("processes")."""
    async with AsyncExitStack() as stack:
        bridges = []
        for i in range(n):
            cloud = await stack.enter_async_context(
                Particle(token=fake.token, base_url=fake.base_url, rate_limiter=None)
            )
            r = client(server)
            stack.push_async_callback(r.aclose)
            bridge = cloud.events.bridge(
                r, "fleet", prefix, subscribe=FAST, owner=f"w{i}", lease_ttl=ttl,
                on_role=roles.callback(f"w{i}"), on_status=roles.on_status,
            )  # fmt: skip
            bridges.append(await stack.enter_async_context(bridge))
        yield bridges


async def collect(
    consumer: BridgeConsumer, into: list[BridgeEvent], done: Callable[[], bool]
) -> None:
    async for event in consumer:
        into.append(event)
        if done():
            return


def data_of(events: list[BridgeEvent]) -> list[str]:
    return [e.data or "" for e in events if e.gap is None]


async def test_one_leader_one_upstream_each_event_handled_once(
    cloud: FakeCloud, redis_server: RedisServer, rds: redis.asyncio.Redis
) -> None:
    roles = Roles()
    with anyio.fail_after(15):
        async with fleet(cloud, redis_server, 3, roles) as bridges:
            leader = await roles.wait_leader(1)
            await roles.wait_connected(1)
            assert sum(b.is_leader for b in bridges) == 1
            assert await bridges[0].leader() == leader
            handled: list[list[BridgeEvent]] = [[], [], []]
            total = lambda: sum(len(h) for h in handled)  # noqa: E731
            with pytest.RaisesGroup(_AllDone, allow_unwrapped=True):
                async with anyio.create_task_group() as tg:
                    for i, bridge in enumerate(bridges):
                        consumer = bridge.consume("workers", f"c{i}", block=0.05)
                        await tg.start(_run_consumer, consumer, handled[i], lambda: total() >= 40)
                    for i in range(40):
                        cloud.publish("temp/x", str(i))
                    cloud.publish("other", "not for us")
    assert cloud.open_streams == 0
    everything = [e for h in handled for e in h]
    assert sorted(data_of(everything), key=int) == [str(i) for i in range(40)]
    assert all(e.name == "temp/x" and e.device_id == "api" for e in everything)
    assert len({e.entry_id for e in everything}) == 40
    assert all(e.fence == bridges[int(leader[1])].stats.token for e in everything)
    assert not any(e.redelivered for e in everything)
    assert sum(b.stats.events_written for b in bridges) == 40


async def _run_consumer(
    consumer: BridgeConsumer,
    into: list[BridgeEvent],
    done: Callable[[], bool],
    *,
    task_status: Any = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Handle events until all workers together have `done()`, then stop them all."""
    async with consumer:
        task_status.started()
        async for event in consumer:
            into.append(event)
            if done():
                raise _AllDone


class _AllDone(Exception):
    pass


async def test_failover_after_a_crash_reports_the_gap(
    cloud: FakeCloud,
    redis_server: RedisServer,
    rds: redis.asyncio.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    roles = Roles()
    ttl = 0.3
    with anyio.fail_after(15):
        async with fleet(cloud, redis_server, 2, roles, ttl=ttl) as bridges:
            first = await roles.wait_leader(1)
            old = bridges[int(first[1])]
            await roles.wait_connected(1)
            cloud.publish("temp", "before")
            async with bridges[0].consume("g", "c0", block=0.05) as consumer:
                got = [await consumer.__anext__()]
                # A crash: the leader stops without releasing its lease (kill -9).
                monkeypatch.setattr(old._lease, "release", _no_release)
                crashed_at = anyio.current_time()
                await old.aclose()
                second = await roles.wait_leader(2)
                failover = anyio.current_time() - crashed_at
                await roles.wait_connected(2)
                cloud.publish("temp", "after")
                while len(got) < 3:
                    got.append(await consumer.__anext__())
    assert second != first
    assert failover <= ttl + ttl / 3 + 0.25  # lease + one renewal (+ scheduling slack)
    assert [e.data for e in got if e.gap is None] == ["before", "after"]
    gap = got[1].gap
    assert gap is not None
    assert got[1].name == GAP_EVENT
    assert gap.reason == "leader change"
    assert 0 < gap.seconds < 5
    assert got[0].published_at is not None
    assert gap.started_at >= got[0].published_at
    assert got[2].fence > got[0].fence  # a new term, a larger fencing token


async def _no_release(seen: str) -> None:
    return None


async def test_a_deposed_leader_stops_writing_at_once(
    cloud: FakeCloud, redis_server: RedisServer, rds: redis.asyncio.Redis
) -> None:
    roles = Roles()
    with anyio.fail_after(15):
        async with fleet(cloud, redis_server, 1, roles, ttl=0.6) as (bridge,):
            await roles.wait_leader(1)
            await roles.wait_connected(1)
            # Someone else took the lease (our leader was partitioned and it expired).
            await rds.set("{fleet}:lease", "intruder|999", px=400)
            cloud.publish("temp", "while deposed")
            while bridge.stats.fenced_writes == 0:
                await roles.changed.wait()
            assert not bridge.is_leader
            assert await rds.xlen("{fleet}:events") == 0  # nothing written with a stale token
            await roles.wait_leader(2)  # the intruder's lease expired: we lead again
            await roles.wait_connected(2)
            cloud.publish("temp", "leading again")
            async with bridge.consume("g", "c", block=0.05) as consumer:
                got = [await consumer.__anext__(), await consumer.__anext__()]
    assert got[0].gap is not None
    assert got[0].gap.reason == "leader change"
    assert got[1].data == "leading again"
    assert bridge.stats.terms == 2
    assert bridge.stats.step_downs >= 1


async def test_upstream_reconnect_is_a_gap(
    cloud: FakeCloud, redis_server: RedisServer, rds: redis.asyncio.Redis
) -> None:
    roles = Roles()
    with anyio.fail_after(15):
        async with fleet(cloud, redis_server, 1, roles) as (bridge,):
            await roles.wait_leader(1)
            await roles.wait_connected(1)
            cloud.publish("temp", "1")
            async with bridge.consume("g", "c", block=0.05) as consumer:
                got = [await consumer.__anext__()]
                cloud.faults.drop_streams()
                await roles.wait_connected(2)
                cloud.publish("temp", "2")
                got += [await consumer.__anext__(), await consumer.__anext__()]
    assert got[0].data == "1"
    assert got[2].data == "2"
    gap = got[1].gap
    assert gap is not None
    assert gap.reason == "reconnect"
    assert gap.ended_at >= gap.started_at
    assert consumer.stats.gaps == 1
    assert bridge.stats.gaps_written == 1


async def write_events(r: redis.asyncio.Redis, n: int, key: str = "{fleet}:events") -> None:
    for i in range(n):
        envelope = json.dumps({"data": str(i), "ttl": 60, "coreid": "dev"})
        await r.xadd(key, {"k": "e", "n": "temp", "j": envelope, "f": "1"})


async def test_a_dead_workers_entries_are_reclaimed(rds: redis.asyncio.Redis) -> None:
    await write_events(rds, 10)
    dead = BridgeConsumer(rds, "{fleet}:events", "g", "dead", count=10, block=0.05)
    async with dead:
        first = await dead.__anext__()  # reads ahead 10 entries, handles one, then dies
    assert first.data == "0"
    # (closing acknowledged the handled entry; a kill -9 would not even have done that)
    alive = BridgeConsumer(
        rds, "{fleet}:events", "g", "alive", count=100, block=0.05, min_idle=0.2, claim_every=0.1
    )
    got: list[BridgeEvent] = []
    with anyio.fail_after(5):
        async with alive:
            async for event in alive:
                got.append(event)
                if len(got) == 9:
                    break
    assert sorted(data_of(got), key=int) == [str(i) for i in range(1, 10)]
    assert all(e.redelivered for e in got)
    assert alive.stats.redelivered == 9
    pending = await rds.xpending("{fleet}:events", "g")
    assert pending["pending"] == 0


async def test_a_failed_handler_leaves_its_entry_pending(rds: redis.asyncio.Redis) -> None:
    await write_events(rds, 3)
    consumer = BridgeConsumer(rds, "{fleet}:events", "g", "w", block=0.05)
    with pytest.raises(ZeroDivisionError):
        async with consumer:
            async for event in consumer:
                if event.data == "1":
                    raise ZeroDivisionError
    pending = await rds.xpending_range("{fleet}:events", "g", "-", "+", 10)
    assert len(pending) == 2  # "1" failed; "2" was read ahead, never delivered
    # Restarted under the same name, the worker re-reads its own pending entries first.
    again = BridgeConsumer(rds, "{fleet}:events", "g", "w", block=0.05)
    async with again:
        redo = [await again.__anext__(), await again.__anext__()]
    assert [e.data for e in redo] == ["1", "2"]
    assert all(e.redelivered for e in redo)
    assert (await rds.xpending("{fleet}:events", "g"))["pending"] == 0


async def test_explicit_ack(rds: redis.asyncio.Redis) -> None:
    await write_events(rds, 2)
    consumer = BridgeConsumer(rds, "{fleet}:events", "g", "w", block=0.05, auto_ack=False)
    async with consumer:
        a = await consumer.__anext__()
        b = await consumer.__anext__()
        assert (await rds.xpending("{fleet}:events", "g"))["pending"] == 2
        await consumer.ack(a, b.entry_id)
    assert (await rds.xpending("{fleet}:events", "g"))["pending"] == 0
    assert consumer.stats.acked == 2


async def test_redis_restart_the_bridge_recovers_by_itself(
    cloud: FakeCloud, own_redis: RedisServer
) -> None:
    roles = Roles()
    with anyio.fail_after(20):
        async with fleet(cloud, own_redis, 2, roles) as bridges:
            await roles.wait_leader(1)
            await roles.wait_connected(1)
            cloud.publish("temp", "before")
            async with bridges[0].consume("g", "c", block=0.05) as consumer:
                got = [await consumer.__anext__()]
                await anyio.to_thread.run_sync(own_redis.restart)  # empty: no persistence
                cloud.publish("temp", "lost")  # the leader's write is refused: stream gone
                await roles.wait_leader(2)
                await roles.wait_connected(2)
                cloud.publish("temp", "after")
                while not got or got[-1].data != "after":
                    got.append(await consumer.__anext__())
    names = [("gap:" + e.gap.reason) if e.gap else e.data for e in got]
    assert names[0] == "before"
    assert names[-1] == "after"
    assert "gap:leader change" in names  # written by the next leader
    assert "gap:redis reset" in names  # this consumer's own: its group was gone
    assert consumer.stats.groups_created >= 2  # the group was created again
    assert consumer.stats.redis_errors >= 1 or consumer.stats.groups_created >= 2


async def test_foreign_entries_arrive_malformed_not_raised() -> None:
    event = decode_entry(b"1-0", {b"x": b"y"}, redelivered=False)
    assert event.malformed
    assert event.entry_id == "1-0"
    gap = decode_entry("2-0", {"k": "g", "n": "", "j": "{}", "f": "3"}, redelivered=False)
    assert gap.malformed
    assert gap.name == GAP_EVENT
    assert gap.fence == 3


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_trio_is_refused_clearly(redis_server: RedisServer) -> None:
    r = client(redis_server)
    bridge = EventBridge(r, name="x", stream_factory=_never)
    with pytest.raises(UnsupportedBackendError, match="asyncio"):
        async with bridge:
            pass
    with pytest.raises(UnsupportedBackendError):
        async with bridge.consume("g", "c"):
            pass


def _never(on_status: Any) -> Any:
    raise AssertionError("not reached")
