"""Item 8: a server's Retry-After is capped, and no limiter wait outlasts a call's deadline."""

from __future__ import annotations

import time

import anyio
import pytest

from particle_async import RateLimitedError, RateLimiter, RetryPolicy

from ..helpers import FakeClock
from ._support import client, take
from .rawserver import frame, raw_server, reply, sse

pytestmark = pytest.mark.anyio

HUGE = {
    "1e9": "1e9",
    "inf": "inf",
    "nan": "nan",
    "year-9999": "Fri, 31 Dec 9999 23:59:59 GMT",
}
CASES = pytest.mark.parametrize("value", list(HUGE.values()), ids=list(HUGE))
# Two attempts, not three: "nan" is no advice, so it backs off ≤0.5 s and retries once,
# well inside the deadline. A third try could start just before the deadline and be cut
# off mid-request, which is a NetworkTimeoutError by design: a race, not a finding.
POLICY = RetryPolicy(deadline=1.0, max_attempts=2)


def too_many(value: str):  # type: ignore[no-untyped-def]
    return reply(429, b'{"error":"slow down"}', {"Retry-After": value})


async def fails_fast(call) -> float:  # type: ignore[no-untyped-def]
    """Await `call()`, expect RateLimitedError, return the seconds it took."""
    start = time.monotonic()
    with anyio.fail_after(5), pytest.raises(RateLimitedError):
        await call()
    return time.monotonic() - start


@CASES
async def test_huge_retry_after_fails_fast_and_caps_the_pause(value: str) -> None:
    limiter = RateLimiter(10, burst=5)
    async with raw_server(too_many(value)) as server:
        async with client(server, rate_limiter=limiter, clock=None, retry=POLICY) as cloud:
            assert await fails_fast(cloud.user.get) < 1.5
            paused_for = limiter.statistics().paused_until - time.monotonic()
            assert paused_for <= 600  # RetryPolicy().max_retry_after


async def test_later_calls_sharing_the_limiter_fail_fast_too() -> None:
    """After a capped but long pause, later calls (this client's or another's sharing the
    limiter) end at their own deadline with the same error, not after the pause."""
    limiter = RateLimiter(10, burst=5)
    async with raw_server(too_many("1e9")) as server:
        async with client(server, rate_limiter=limiter, clock=None, retry=POLICY) as cloud:
            assert await fails_fast(cloud.user.get) < 1.5
            assert await fails_fast(cloud.user.get) < 1.5
        async with client(server, rate_limiter=limiter, clock=None, retry=POLICY) as other:
            assert await fails_fast(other.devices.list) < 1.5


async def test_max_retry_after_is_the_knob() -> None:
    assert RetryPolicy().max_retry_after == 600
    limiter = RateLimiter(10, burst=5)
    policy = RetryPolicy(deadline=1.0, max_attempts=3, max_retry_after=5.0)
    async with raw_server(too_many("1e9")) as server:
        async with client(server, rate_limiter=limiter, clock=None, retry=policy) as cloud:
            assert await fails_fast(cloud.user.get) < 1.5
            assert limiter.statistics().paused_until - time.monotonic() <= 5.0


@CASES
async def test_stream_does_not_sleep_for_a_huge_retry_after(value: str) -> None:
    clock = FakeClock()
    scripts = (too_many(value), sse(frame("x/1", "one")))
    async with raw_server(*scripts) as server, client(server, clock=clock) as cloud:
        async with cloud.events.subscribe("x") as stream:
            [event] = await take(stream, 1)
    assert event.name == "x/1"
    assert clock.sleeps, "a 429 must back off before reconnecting"
    assert max(clock.sleeps) <= 600


async def test_no_limiter_wait_outlasts_the_deadline() -> None:
    """A sane but long Retry-After (300 s) pauses the limiter; later calls must not wait it out."""
    limiter = RateLimiter(10, burst=5)
    async with raw_server(too_many("300")) as server:
        async with client(server, rate_limiter=limiter, clock=None, retry=POLICY) as cloud:
            assert await fails_fast(cloud.user.get) < 1.5
            sent = len(server.requests)
            assert await fails_fast(cloud.devices.list) < 1.5
            assert len(server.requests) == sent  # refused before sending, not after a 429
