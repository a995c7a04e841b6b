"""`RedisRateLimiter`: one request budget shared by every process that uses the same key.

Particle limits requests per public IP address, so eight workers behind one NAT must share
one budget. Each grant is one atomic Lua script (`_lua.LIMITER_GRANT`) timed by the Redis
server's `TIME`:

- a **sliding-window log** (a sorted set of grant times) enforces "never more than
  `rate * per` grants in any `per` seconds" exactly, across all processes. A GCRA or token
  bucket alone cannot promise that (a full bucket plus its refill lets b + r through in
  one second); the log costs one small sorted set of at most `rate * per` members;
- a **GCRA spacing rule** on top (`burst`) keeps grants from bunching at window edges,
  which is where the jitter between us and the cloud turns "exactly 10" into 11.

`guard` widens the window: a grant is timed at Redis, the request reaches the cloud a few
milliseconds later, with jitter. The sustained ceiling is `rate * per / (per + guard)`.

Within one process callers are served strictly in arrival order: they queue on a fair
lock and only the head talks to Redis (and sleeps exactly as long as the script says;
nothing polls in a tight loop). Across processes, whoever asks first after a slot frees
wins it. A 429 anywhere (`await pause(seconds)`) sets a shared paused-until key, which
every grant checks, so the whole fleet holds off until the Retry-After.

**When Redis is unreachable** (connection refused or reset, a timeout): never an
unlimited burst, never a raw redis-py exception.
- with `fallback=` (a local limiter, typically `RateLimiter(rate / n)` for n processes),
  grants come from it while Redis is down; Redis is probed again after a jittered
  exponential backoff (50 ms doubling to 2 s) and used again as soon as it answers;
- without one (the default), the caller waits and retries with that backoff, and only if
  Redis is still down after `unavailable_timeout` seconds does `acquire` raise
  `RedisUnavailableError` (a `ParticleError`). `None` waits forever.

Runs on asyncio only (redis-py has no trio support): on trio every coroutine raises
`UnsupportedBackendError`.
"""

from __future__ import annotations

import itertools
import logging
import random
import uuid
from typing import Any, Protocol

import anyio
from redis.exceptions import RedisError

from .._clock import Clock, SystemClock
from .._ratelimit import RateLimiterStatistics
from ._compat import REDIS_DOWN, require_asyncio
from ._errors import DistributedError, RedisUnavailableError
from ._lua import LIMITER_GRANT, LIMITER_PAUSE

__all__ = ["Acquirer", "RedisRateLimiter", "redis_backoff"]

log = logging.getLogger("particle_async.distributed")

_US = 1_000_000


def redis_backoff(attempt: int, *, initial: float = 0.05, cap: float = 2.0) -> float:
    """Jittered exponential backoff for reconnecting to Redis (attempt counts from 1)."""
    delay: float = min(cap, initial * 2.0 ** (attempt - 1))
    return delay * random.uniform(0.5, 1.0)


class Acquirer(Protocol):
    """What a fallback must offer: the local `RateLimiter` fits."""

    async def acquire(self) -> None: ...


class RedisRateLimiter:
    """A FIFO rate limiter whose budget lives in Redis under `key`, shared by all its users.

    `redis` is a `redis.asyncio.Redis` client (either `decode_responses` setting works).
    `op_timeout` bounds each round trip, so a Redis that hangs counts as unreachable.
    """

    def __init__(
        self,
        redis: Any,
        *,
        key: str = "particle:ratelimit",
        rate: float = 10.0,
        per: float = 1.0,
        burst: int | None = 5,
        guard: float = 0.04,
        fallback: Acquirer | None = None,
        unavailable_timeout: float | None = 30.0,
        op_timeout: float = 2.0,
        clock: Clock | None = None,
    ):
        if rate <= 0 or per <= 0:
            raise ValueError("rate and per must be positive")
        self.redis = redis
        self.key = key
        self.rate = rate
        self.per = per
        self.guard = guard
        self.fallback = fallback
        self.unavailable_timeout = unavailable_timeout
        self.op_timeout = op_timeout
        self._window = max(1, int(rate * per))
        self._burst = max(1, min(burst or self._window, self._window))
        self._clock = clock or SystemClock()
        self._keys = [f"{{{key}}}:grants", f"{{{key}}}:tat", f"{{{key}}}:paused"]
        self._grant = redis.register_script(LIMITER_GRANT)
        self._pause = redis.register_script(LIMITER_PAUSE)
        self._member = f"{uuid.uuid4().hex[:12]}:"
        self._seq = itertools.count()
        self._lock = anyio.Lock()
        self._retry_at = float("-inf")  # Redis was down: next probe not before this
        self._failures = 0
        self._paused_until = float("-inf")
        self._granted = 0
        self._total_wait = 0.0
        self.fallback_grants = 0
        self.redis_errors = 0
        self.last_grant_us = 0
        """Redis `TIME` (us) of this process's last grant through Redis: for tests and probes."""

    def __repr__(self) -> str:
        return (
            f"RedisRateLimiter(key={self.key!r}, rate={self.rate}, per={self.per}, "
            f"burst={self._burst})"
        )

    # -- the Limiter protocol ------------------------------------------------------
    async def acquire(self) -> None:
        """Wait for this caller's turn (arrival order in this process), then take a slot."""
        require_asyncio("RedisRateLimiter")
        start = self._clock.now()
        async with self._lock:
            await self._acquire_head(start)
        self._granted += 1
        self._total_wait += self._clock.now() - start

    async def pause(self, seconds: float) -> None:
        """Hold every caller of every process for `seconds` (a 429's Retry-After)."""
        require_asyncio("RedisRateLimiter")
        local_until = self._clock.now() + seconds
        self._paused_until = max(self._paused_until, local_until)
        try:
            with anyio.fail_after(self.op_timeout):
                left = await self._pause(keys=[self._keys[2]], args=[int(seconds * _US)])
        except REDIS_DOWN:
            self.redis_errors += 1  # the local hold above still applies to this process
            return
        except RedisError as exc:
            raise DistributedError(f"rate limiter pause failed: {exc}") from None
        self._paused_until = max(self._paused_until, self._clock.now() + int(left) / _US)

    def statistics(self) -> RateLimiterStatistics:
        """Counts for this process; `paused_until` on this process's monotonic clock."""
        return RateLimiterStatistics(
            granted=self._granted,
            waiting=self._lock.statistics().tasks_waiting,
            total_wait=self._total_wait,
            paused_until=self._paused_until,
        )

    # -- the head of the queue ---------------------------------------------------------
    async def _acquire_head(self, start: float) -> None:
        while True:
            now = self._clock.now()
            if now < self._paused_until:  # a pause seen here holds even with Redis down
                await self._clock.sleep(self._paused_until - now)
                continue
            if now < self._retry_at:
                if self.fallback is not None:
                    await self.fallback.acquire()
                    self.fallback_grants += 1
                    return
                await self._clock.sleep(self._retry_at - now)
            wait = await self._try_grant(start)
            if wait is None:
                return
            if wait > 0:
                await self._clock.sleep(wait)

    async def _try_grant(self, start: float) -> float | None:
        """None when granted; else seconds to wait (0: Redis is down, go round again)."""
        member = f"{self._member}{next(self._seq)}"
        args: list[int | str] = [self._window, int((self.per + self.guard) * _US)]
        args += [int(self.per / self.rate * _US), self._burst, member]
        try:
            with anyio.fail_after(self.op_timeout):
                granted, value = await self._grant(keys=self._keys, args=args)
        except REDIS_DOWN as exc:
            self._down(exc, start)
            return 0.0
        except RedisError as exc:
            raise DistributedError(f"rate limiter script failed: {exc}") from None
        self._failures = 0
        self._retry_at = float("-inf")
        if int(granted):
            self.last_grant_us = int(value)
            return None
        return int(value) / _US

    def _down(self, exc: BaseException, start: float) -> None:
        """Redis did not answer: back off; past the deadline (and no fallback), give up."""
        self.redis_errors += 1
        self._failures += 1
        now = self._clock.now()
        self._retry_at = now + redis_backoff(self._failures)
        if self._failures == 1:
            log.warning("rate limiter: Redis unreachable (%s); backing off", type(exc).__name__)
        timeout = self.unavailable_timeout
        if self.fallback is None and timeout is not None and now - start >= timeout:
            raise RedisUnavailableError(
                f"Redis unreachable for {now - start:.1f} s (rate limiter {self.key!r}): "
                f"{type(exc).__name__}"
            )
