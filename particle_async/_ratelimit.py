"""The client-side rate limiter: stay under the cloud's ≈10 requests/s before it says 429.

Two rules hold at once, so "10 per second" means exactly that:
- a sliding window: never more than `rate * per` requests in any `per` seconds;
- a token bucket (GCRA form): at most `burst` requests back to back, refilled evenly.
A plain token bucket of rate r and burst b lets b + r requests through in one second
(aiolimiter's "N per second" can mean ≈2N); the window forbids that.

Callers are served strictly in arrival order: they queue on a fair lock and only the head
of the queue sleeps, until its slot. Nothing polls. A 429 from the server pauses the whole
limiter (`pause`), so every request of every client sharing it waits, not just one.

`Limiter` is the protocol the transport needs; `RateLimiter` is the in-process one, and
`particle_async.distributed.RedisRateLimiter` shares one budget across processes. Both
`acquire` and `pause` are awaited, since a shared limiter does I/O in either.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol, runtime_checkable

import anyio
from attrs import frozen

from ._clock import Clock, SystemClock

__all__ = ["Limiter", "RateLimiter", "RateLimiterStatistics"]


@frozen
class RateLimiterStatistics:
    """A snapshot for dashboards and tests.

    Attributes:
        granted: requests let through so far.
        waiting: tasks waiting for a slot right now.
        total_wait: seconds spent waiting, summed over every request.
        paused_until: when (limiter clock) a 429 pause ends; -inf or the past: not paused.
    """

    granted: int
    waiting: int
    total_wait: float
    paused_until: float


@runtime_checkable
class Limiter(Protocol):
    """What `Particle(rate_limiter=...)` accepts: anything that can grant and pause.

    `acquire` returns when the caller may send one request (callers of one process are
    served in arrival order); `pause` holds every caller for `seconds` after a 429. The
    transport bounds an `acquire` by the call's deadline by cancelling it, so an
    implementation must be cancel-safe: a cancelled `acquire` takes no slot.
    """

    async def acquire(self) -> None:
        """Return when the caller may send one request; a cancelled wait takes no slot."""
        ...

    async def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` (a 429's Retry-After, already capped)."""
        ...

    def statistics(self) -> RateLimiterStatistics:
        """A snapshot of the limiter's counters."""
        ...


class RateLimiter:
    """FIFO limiter: at most `rate * per` requests per `per` seconds, `burst` back to back.

    `guard` widens the window by a few milliseconds: our requests reach the cloud with
    jitter, so a window filled exactly to the limit here can look one over it there.

    One instance is shared by every request of a `Particle` client; pass the same instance
    to several clients to share the budget of one public IP address.
    """

    def __init__(
        self,
        rate: float = 10.0,
        *,
        per: float = 1.0,
        burst: int | None = 5,
        guard: float = 0.0,
        clock: Clock | None = None,
    ):
        if rate <= 0 or per <= 0:
            raise ValueError("rate and per must be positive")
        self.rate = rate
        self.per = per
        self.guard = guard
        self._window = max(1, int(rate * per))
        self._burst = max(1, min(burst or self._window, self._window))
        self._interval = 1.0 / rate
        self._clock = clock or SystemClock()
        self._lock: anyio.Lock | None = None  # made on first use: anyio imports it lazily
        self._grants: deque[float] = deque(maxlen=self._window)
        self._tat = float("-inf")  # GCRA theoretical arrival time
        self._paused_until = float("-inf")
        self._granted = 0
        self._total_wait = 0.0

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate}, per={self.per}, burst={self._burst})"

    def _earliest(self, now: float) -> float:
        """The first instant at which one more request keeps both rules."""
        at = max(now, self._paused_until, self._tat - (self._burst - 1) * self._interval)
        if len(self._grants) == self._window:
            at = max(at, self._grants[0] + self.per + self.guard)
        return at

    def _record(self, now: float) -> None:
        self._grants.append(now)
        self._tat = max(self._tat, now) + self._interval
        self._granted += 1

    async def acquire(self) -> None:
        """Wait for this caller's turn (arrival order), then take one slot."""
        start = self._clock.now()
        if self._lock is None:
            self._lock = anyio.Lock()  # fair: waiters are served in arrival order
        async with self._lock:
            now = self._clock.now()
            while (at := self._earliest(now)) > now:
                await self._clock.sleep(at - now)
                now = self._clock.now()
            self._record(now)
        self._total_wait += now - start

    async def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` (the server's Retry-After after a 429)."""
        self.hold(seconds)

    def hold(self, seconds: float) -> None:
        """`pause` without awaiting: an in-process limiter has no I/O to do."""
        self._paused_until = max(self._paused_until, self._clock.now() + seconds)

    def statistics(self) -> RateLimiterStatistics:
        """A snapshot: requests granted, tasks waiting now, total time waited, the pause end."""
        return RateLimiterStatistics(
            granted=self._granted,
            waiting=self._lock.statistics().tasks_waiting if self._lock is not None else 0,
            total_wait=self._total_wait,
            paused_until=self._paused_until,
        )
