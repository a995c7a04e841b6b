"""RedisRateLimiter against a real redis-server: the window across processes, FIFO within
one, the shared pause, and what happens while Redis is unreachable."""

from __future__ import annotations

import itertools
import time

import anyio
import pytest
import redis.asyncio

from particle_async import RateLimiter
from particle_async._clock import SystemClock
from particle_async.distributed import (
    DistributedError,
    RedisRateLimiter,
    RedisUnavailableError,
    UnsupportedBackendError,
)
from particle_async.distributed.testing import RedisServer

from .conftest import client

pytestmark = pytest.mark.anyio


def max_in_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    best, j = 0, 0
    for i, start in enumerate(ordered):
        j = max(j, i)
        while j < len(ordered) and ordered[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NotifyingClock(SystemClock):
    """The real clock, telling us when the limiter first sleeps (here: backs off)."""

    def __init__(self) -> None:
        self.slept = anyio.Event()

    async def sleep(self, seconds: float) -> None:
        self.slept.set()
        await super().sleep(seconds)


async def hammer(limiter: RedisRateLimiter, callers: int, seconds: float) -> list[float]:
    """`callers` tasks acquiring in a loop; the Redis time (s) of every grant."""
    grants: list[float] = []

    async def loop() -> None:
        while True:
            await limiter.acquire()
            grants.append(limiter.last_grant_us / 1e6)

    with anyio.move_on_after(seconds):
        async with anyio.create_task_group() as tg:
            for _ in range(callers):
                tg.start_soon(loop)
    return grants


async def test_never_above_rate_in_any_window_across_clients(redis_server: RedisServer) -> None:
    """Three limiters on three connections (three "processes"), 20 callers each."""
    clients = [client(redis_server) for _ in range(3)]
    await clients[0].flushall()
    try:
        limiters = [
            RedisRateLimiter(c, key="t:window", rate=40, per=0.25, burst=None, guard=0.0)
            for c in clients
        ]
        results: list[list[float]] = [[] for _ in limiters]

        async def run(i: int) -> None:
            results[i] = await hammer(limiters[i], 20, 1.2)

        async with anyio.create_task_group() as tg:
            for i in range(3):
                tg.start_soon(run, i)
    finally:
        for c in clients:
            await c.aclose()
    grants = [t for r in results for t in r]
    assert max_in_window(grants, 0.25) <= 10
    assert len(grants) >= 40  # ≈ 10 per 0.25 s for 1.2 s: the budget is actually used
    assert all(r for r in results)  # every process got some


async def test_burst_spacing_and_guard(rds: redis.asyncio.Redis) -> None:
    limiter = RedisRateLimiter(rds, key="t:burst", rate=20, per=0.5, burst=2, guard=0.05)
    grants = await hammer(limiter, 10, 0.8)
    gaps = [b - a for a, b in zip(sorted(grants), sorted(grants)[1:], strict=False)]
    # at most 2 back to back: of three consecutive grants the third is ≥ 1 interval
    # (per / rate = 25 ms) after the first
    assert all(g1 + g2 >= 0.025 - 1e-4 for g1, g2 in itertools.pairwise(gaps))
    assert max_in_window(grants, 0.55) <= 10


async def test_fifo_within_one_process(rds: redis.asyncio.Redis) -> None:
    limiter = RedisRateLimiter(rds, key="t:fifo", rate=100, per=0.1, burst=1, guard=0.0)
    arrived: list[int] = []
    served: list[int] = []

    async def caller(i: int) -> None:
        arrived.append(i)
        await limiter.acquire()
        served.append(i)

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for i in range(30):
                tg.start_soon(caller, i)
                await anyio.lowlevel.checkpoint()
    assert served == arrived
    stats = limiter.statistics()
    assert stats.granted == 30
    assert stats.waiting == 0
    assert stats.total_wait > 0


async def test_pause_anywhere_holds_everyone(redis_server: RedisServer) -> None:
    a_client, b_client = client(redis_server), client(redis_server)
    try:
        await a_client.flushall()
        a = RedisRateLimiter(a_client, key="t:pause", rate=100, per=1.0)
        b = RedisRateLimiter(b_client, key="t:pause", rate=100, per=1.0)
        await b.acquire()
        await a.pause(0.4)  # a 429 seen by process A
        assert a.statistics().paused_until > time.monotonic() + 0.3
        start = time.monotonic()
        with anyio.fail_after(5):
            await b.acquire()  # process B never saw the 429, and still waits it out
        assert time.monotonic() - start >= 0.35
    finally:
        await a_client.aclose()
        await b_client.aclose()


async def test_unreachable_without_fallback_raises_after_deadline() -> None:
    r = redis.asyncio.Redis(host="127.0.0.1", port=closed_port())
    limiter = RedisRateLimiter(r, key="t:down", unavailable_timeout=0.3, op_timeout=0.1)
    start = time.monotonic()
    with anyio.fail_after(5), pytest.raises(RedisUnavailableError) as info:
        await limiter.acquire()
    assert time.monotonic() - start >= 0.3
    assert limiter.redis_errors >= 2  # retried with backoff before giving up
    assert limiter.statistics().granted == 0
    assert "t:down" in str(info.value)
    await r.aclose()


async def test_unreachable_waits_then_recovers(own_redis: RedisServer) -> None:
    r = client(own_redis)
    clock = NotifyingClock()
    limiter = RedisRateLimiter(
        r, key="t:recover", unavailable_timeout=None, op_timeout=0.2, clock=clock
    )
    await limiter.acquire()
    own_redis.kill()
    done = anyio.Event()

    async def acquire() -> None:
        await limiter.acquire()
        done.set()

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(acquire)
            await clock.slept.wait()  # backing off after a failure: now bring Redis back
            assert limiter.redis_errors >= 1
            assert not done.is_set()  # no grant while Redis is down: no unlimited burst
            await anyio.to_thread.run_sync(own_redis.restart)
            await done.wait()
    assert limiter.statistics().granted == 2
    assert limiter.fallback_grants == 0
    await r.aclose()


async def test_unreachable_with_fallback_uses_the_local_share(own_redis: RedisServer) -> None:
    r = client(own_redis)
    fallback = RateLimiter(20, per=1.0, burst=1)  # rate / n for a fleet of n processes
    limiter = RedisRateLimiter(r, key="t:fallback", rate=100, fallback=fallback)
    await limiter.acquire()
    own_redis.kill()
    start = time.monotonic()
    with anyio.fail_after(10):
        for _ in range(6):
            await limiter.acquire()
    elapsed = time.monotonic() - start
    assert limiter.fallback_grants >= 5
    assert elapsed >= 0.2  # paced at 20/s by the fallback, not an unlimited burst
    await anyio.to_thread.run_sync(own_redis.restart)
    with anyio.fail_after(10):
        while True:  # Redis is probed again after the backoff and then used again
            before = limiter.fallback_grants
            await limiter.acquire()
            if limiter.fallback_grants == before:
                break
    assert limiter.last_grant_us > 0
    await r.aclose()


async def test_redis_error_is_a_particle_error(rds: redis.asyncio.Redis) -> None:
    await rds.set("{t:wrongtype}:grants", "not a sorted set")
    limiter = RedisRateLimiter(rds, key="t:wrongtype")
    with pytest.raises(DistributedError, match="script failed"):
        await limiter.acquire()


async def test_works_with_decoded_responses(redis_server: RedisServer) -> None:
    r = client(redis_server, decode_responses=True)
    limiter = RedisRateLimiter(r, key="t:decoded", rate=50)
    await limiter.acquire()
    await limiter.pause(0.01)
    assert limiter.statistics().granted == 1
    await r.aclose()


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_trio_is_refused_clearly(redis_server: RedisServer) -> None:
    r = client(redis_server)  # constructing the client does no I/O
    limiter = RedisRateLimiter(r, key="t:trio")
    with pytest.raises(UnsupportedBackendError, match="asyncio"):
        await limiter.acquire()
    with pytest.raises(UnsupportedBackendError):
        await limiter.pause(1.0)
