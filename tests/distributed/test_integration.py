"""The distributed parts inside the SDK: RedisRateLimiter as `Particle(rate_limiter=...)`,
a bridge consumer as an `EventHub` source, `aclose()` from another task."""

from __future__ import annotations

import json
import time

import anyio
import anyio.abc
import pytest
import redis.asyncio

from particle_async import Particle, RateLimitedError
from particle_async._ratelimit import Limiter
from particle_async._retry import NO_RETRY
from particle_async.distributed import BridgeConsumer, RedisRateLimiter
from particle_async.distributed.testing import RedisServer
from particle_async.streaming import EventHub, StreamState
from particle_async.testing import FakeCloud

from .conftest import client

pytestmark = pytest.mark.anyio


async def test_two_clients_share_one_budget_without_a_429(redis_server: RedisServer) -> None:
    """Two "processes" (own client, own Redis connection) against a cloud enforcing 5/s."""
    with FakeCloud(rate_limit=5) as fake:
        device = fake.add_device(name="alpha", variables={"t": 1})
        connections = [client(redis_server), client(redis_server)]
        await connections[0].flushall()
        limiters = [
            RedisRateLimiter(c, key="t:sdk", rate=5, per=1.0, burst=5, guard=0.05)
            for c in connections
        ]
        assert all(isinstance(lim, Limiter) for lim in limiters)

        async def calls(limiter: RedisRateLimiter) -> None:
            async with Particle(
                token=fake.token, base_url=fake.base_url, rate_limiter=limiter
            ) as cloud:
                assert cloud.rate_limiter is limiter
                for _ in range(4):
                    assert await cloud.devices.get_variable(device.id, "t") == 1

        with anyio.fail_after(15):
            async with anyio.create_task_group() as tg:
                for limiter in limiters:
                    tg.start_soon(calls, limiter)
        for c in connections:
            await c.aclose()
    assert len(fake.requests) == 8  # 8 calls, no 429 and so no retry
    assert sum(lim.statistics().granted for lim in limiters) == 8


async def test_a_429_in_one_client_pauses_the_other(redis_server: RedisServer) -> None:
    with FakeCloud(rate_limit=None) as fake:
        device = fake.add_device(name="alpha", variables={"t": 1})
        a_conn, b_conn = client(redis_server), client(redis_server)
        await a_conn.flushall()
        a = RedisRateLimiter(a_conn, key="t:429", rate=100)
        b = RedisRateLimiter(b_conn, key="t:429", rate=100)
        fake.faults.fail_next(1, 429, headers={"Retry-After": "1"})
        async with (
            Particle(token=fake.token, base_url=fake.base_url, rate_limiter=a) as one,
            Particle(token=fake.token, base_url=fake.base_url, rate_limiter=b) as two,
        ):
            with anyio.fail_after(10):
                with pytest.raises(RateLimitedError):
                    await one.with_options(retry=NO_RETRY).devices.get_variable(device.id, "t")
                assert await a_conn.exists("{t:429}:paused")
                start = time.monotonic()
                assert await two.devices.get_variable(device.id, "t") == 1
            assert time.monotonic() - start >= 0.8  # held by a 429 it never saw
        await a_conn.aclose()
        await b_conn.aclose()


async def write(r: redis.asyncio.Redis, items: list[tuple[str, str, str]]) -> None:
    for kind, name, payload in items:
        await r.xadd("{f}:events", {"k": kind, "n": name, "j": payload, "f": "1"})


def envelope(data: str) -> str:
    return json.dumps({"data": data, "ttl": 60, "coreid": "dev"})


GAP = json.dumps(
    {
        "started_at": "2025-01-01T00:00:00+00:00",
        "ended_at": "2025-01-01T00:00:02+00:00",
        "seconds": 2.0,
        "reason": "reconnect",
    }
)


async def test_a_bridge_consumer_is_a_hub_source(rds: redis.asyncio.Redis) -> None:
    await write(
        rds,
        [("e", "temp/a", envelope("1")), ("g", "", GAP), ("e", "temp/b", envelope("2"))],
    )
    hub = EventHub(
        lambda: BridgeConsumer(rds, "{f}:events", "g", "w", block=0.05, include_gaps=False)
    )
    with anyio.fail_after(5):
        async with hub:
            consumer = hub.subscribe("temp")
            got = [await consumer.__anext__(), await consumer.__anext__()]
    assert [e.data for e in got] == ["1", "2"]
    assert consumer.stats.gaps == 1
    assert consumer.stats.gap_seconds == 2.0


async def test_aclose_from_another_task_ends_a_pending_read(rds: redis.asyncio.Redis) -> None:
    consumer = BridgeConsumer(rds, "{f}:events", "g", "w", block=0.5)
    ended = anyio.Event()

    async def read(*, task_status: anyio.abc.TaskStatus[None]) -> None:
        async with consumer:
            task_status.started()
            async for _ in consumer:
                pass
        ended.set()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            await tg.start(read)
            assert consumer.state is StreamState.CONNECTED
            await anyio.wait_all_tasks_blocked()  # the reader is in XREADGROUP ... BLOCK
            await consumer.aclose()
            await ended.wait()
    assert consumer.state is StreamState.CLOSED
    assert consumer.statistics().events == 0
