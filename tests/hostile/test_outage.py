"""Item 4: no number of failed attempts may overflow a backoff (a six-hour outage)."""

from __future__ import annotations

import math
import socket

import anyio
import pytest

from particle_async import Event, RetryPolicy
from particle_async._retry import backoff_delay
from particle_async.streaming import Backoff, BackoffPolicy, StreamState, StreamStatus

from ._support import client, take
from .rawserver import RawServer, frame, raw_server, sse

FAILURES = 1_100  # past 1,024, where 2.0 ** attempt overflowed


def test_stream_backoff_stays_finite_and_capped() -> None:
    policy = BackoffPolicy()
    backoff = Backoff(policy)
    delays = [backoff.next_delay() for _ in range(5_000)]
    assert all(math.isfinite(d) and 0 <= d <= policy.cap for d in delays)
    assert delays[-1] >= policy.cap / 2  # still jittered at the cap, not collapsed to 0


@pytest.mark.parametrize("attempt", [1_024, 1_025, 5_000, 10**9])
def test_retry_backoff_stays_finite_and_capped(attempt: int) -> None:
    policy = RetryPolicy()
    delay = backoff_delay(attempt, policy)
    assert math.isfinite(delay)
    assert policy.max_backoff / 2 <= delay <= policy.max_backoff


def closed_port() -> int:
    """A port nobody listens on (bound, then released): connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.anyio
async def test_stream_survives_a_long_outage_then_resumes() -> None:
    port = closed_port()
    down = RawServer([])
    down.port = port
    failures = 0
    enough = anyio.Event()

    def on_status(status: StreamStatus) -> None:
        nonlocal failures
        if status.state is StreamState.RECONNECTING and status.delay is not None:
            failures += 1
            if failures == FAILURES:
                enough.set()

    async def consume() -> None:
        try:
            async with cloud.events.subscribe("x", on_status=on_status) as stream:
                got.extend(await take(stream, 1, within=20))
        finally:
            done.set()

    got: list[Event] = []
    done = anyio.Event()
    async with client(down) as cloud:  # FakeClock: each backoff sleep is instant
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(consume)
                await enough.wait()
                async with raw_server(sse(frame("x/back", "up")), port=port):
                    await done.wait()
    assert failures >= FAILURES
    assert [e.name for e in got] == ["x/back"]
