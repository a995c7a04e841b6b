"""The rows of the matrix: each thing that can be running when a user stops it.

A row gives the loopback server's scripts, the client's options, the code that runs
(it marks the probe as it reaches the state to be stopped in) and what that code may
raise when it is closed rather than cancelled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from particle_async import (
    ClientClosedError,
    Particle,
    ParticleError,
    RateLimiter,
    RetryPolicy,
    StreamError,
)
from particle_async._ratelimit import Limiter
from particle_async.streaming import BackoffPolicy, Consumer, StreamState

from ..streaming.sse_server import Conn, Script, frame
from .harness import Helper, Probe, SignalClock

HUB_EVENTS = 5
FULL_QUEUE = 2
SLOW_BACKOFF = BackoffPolicy(initial=5.0, cap=5.0)  # 2.5-5 s: far longer than the promise
SLOW_RETRY = RetryPolicy(initial_backoff=5.0, max_backoff=5.0)


@dataclass(frozen=True)
class Running:
    """One row. `on_aclose`/`on_client_close`: what `run` raises when the object, or the
    client, is closed under it (None: it simply ends). `aclose` is False for REST calls,
    which have no object of their own to close (closing the client is their row)."""

    name: str
    scripts: Callable[[Probe], tuple[Script, ...]]
    run: Callable[[Particle, Probe], Awaitable[None]]
    needs: frozenset[str]
    limiter: Callable[[SignalClock], Limiter | None] = lambda clock: None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    aclose: bool = True
    on_aclose: type[ParticleError] | None = None
    on_client_close: type[ParticleError] | None = None


# -- server scripts ------------------------------------------------------------------------


def events_then_stall(names: list[str], *, gated: bool = False) -> Callable[[Probe], Script]:
    def make(probe: Probe) -> Script:
        async def script(conn: Conn) -> None:
            await conn.start_stream()
            if gated:
                await probe.gate.wait()
            await conn.send(b"".join(frame(name, str(i)) for i, name in enumerate(names)))
            await conn.wait_closed_by_client()

        return script

    return make


def one_event_then_close(probe: Probe) -> Script:
    async def script(conn: Conn) -> None:
        await conn.start_stream()
        await probe.gate.wait()
        await conn.send(frame("first", "1"))

    return script


def status(code: int) -> Callable[[Probe], Script]:
    def make(probe: Probe) -> Script:
        async def script(conn: Conn) -> None:
            await conn.respond(code, b'{"error":"busy"}')

        return script

    return make


def never_answers(probe: Probe) -> Script:
    async def script(conn: Conn) -> None:
        probe.mark("request")
        await conn.wait_closed_by_client()

    return script


def answers_empty_list(probe: Probe) -> Script:
    async def script(conn: Conn) -> None:
        await conn.respond(200, b"[]")

    return script


# -- what runs -----------------------------------------------------------------------------


async def read_stream(cloud: Particle, probe: Probe) -> None:
    """A plain subscription read with `async with` + `async for`; ready after 2 events."""
    async with cloud.events.subscribe() as stream:
        probe.target = stream
        probe.finals.append(stream)
        seen = 0
        async for _ in stream:
            seen += 1
            if seen == 2:
                probe.mark("read")


async def read_stream_backing_off(cloud: Particle, probe: Probe) -> None:
    """Reads one event; the server then hangs up and refuses: the stream backs off."""
    stream = cloud.events.subscribe(backoff=SLOW_BACKOFF)
    probe.target = stream
    probe.finals.append(stream)
    async with stream:
        probe.gate.set()
        async for _ in stream:
            probe.mark("read")


async def connect_stream(cloud: Particle, probe: Probe) -> None:
    """`async with` a subscription whose connect never completes (503s, or no answer)."""
    stream = cloud.events.subscribe(backoff=SLOW_BACKOFF)
    probe.target = stream
    probe.finals.append(stream)
    async with stream:
        raise AssertionError("the stream cannot connect in this scenario")


async def run_hub(cloud: Particle, probe: Probe, *, backoff: bool = False) -> None:
    """The task that owns `async with hub` reads one consumer ("waiting"); beside it a
    slow consumer (busy after its first event) and one whose queue is full."""
    options = {"backoff": SLOW_BACKOFF} if backoff else {}
    async with cloud.events.hub(**options) as hub:
        probe.target = hub
        probe.finals.append(hub)
        waiting = hub.subscribe()
        slow = hub.subscribe()
        full = hub.subscribe(max_queue=FULL_QUEUE, overflow="drop_newest")
        probe.facts["full"] = full
        probe.helper("slow", lambda helper: _slow_consumer(slow, probe, helper))
        probe.helper("full", lambda helper: _full_consumer(full, probe, helper))
        probe.gate.set()
        expected = 1 if backoff else HUB_EVENTS
        seen = 0
        async for _ in waiting:
            seen += 1
            if seen == expected:
                assert full.queued == min(expected, FULL_QUEUE)  # the pump offered to all
                probe.mark("waiting")
        probe.facts["waiting_ended"] = True


async def connect_hub(cloud: Particle, probe: Probe) -> None:
    """`async with hub` whose upstream never connects: the owner waits in the hub's start."""
    hub = cloud.events.hub(backoff=SLOW_BACKOFF)
    probe.target = hub
    probe.finals.append(hub)
    async with hub:
        raise AssertionError("the hub cannot start in this scenario")


async def _slow_consumer(consumer: Consumer, probe: Probe, helper: Helper) -> None:
    async for _ in consumer:
        helper.got += 1
        if helper.got == 1:
            probe.mark("slow")
            await probe.released.wait()  # busy with its first event until the stop


async def _full_consumer(consumer: Consumer, probe: Probe, helper: Helper) -> None:
    await probe.released.wait()  # reads nothing before the stop: its queue is full
    async for _ in consumer:
        helper.got += 1


async def list_devices(cloud: Particle, probe: Probe) -> None:
    await cloud.devices.list()
    raise AssertionError("the call cannot complete in this scenario")


async def list_devices_behind_the_limiter(cloud: Particle, probe: Probe) -> None:
    limiter = cloud.rate_limiter
    assert limiter is not None
    await limiter.acquire()  # the only slot for the next 1000 s
    await list_devices(cloud, probe)


ROWS = [
    Running(
        "stream",
        lambda probe: (events_then_stall(["e0", "e1"])(probe),),
        read_stream,
        frozenset({"read"}),
    ),
    Running(
        "stream-connecting",
        lambda probe: (never_answers(probe),),
        connect_stream,
        frozenset({"request"}),
        on_aclose=StreamError,
        on_client_close=ClientClosedError,
    ),
    Running(
        "stream-reconnect-backoff",
        lambda probe: (one_event_then_close(probe), status(503)(probe)),
        read_stream_backing_off,
        frozenset({"read", "sleeping"}),
    ),
    Running(
        "stream-connect-backoff",
        lambda probe: (status(503)(probe),),
        connect_stream,
        frozenset({"sleeping"}),
        on_aclose=StreamError,
        on_client_close=ClientClosedError,
    ),
    Running(
        "hub",
        lambda probe: (events_then_stall([f"h{i}" for i in range(HUB_EVENTS)], gated=True)(probe),),
        run_hub,
        frozenset({"waiting", "slow"}),
    ),
    Running(
        "hub-backoff",
        lambda probe: (one_event_then_close(probe), status(503)(probe)),
        lambda cloud, probe: run_hub(cloud, probe, backoff=True),
        frozenset({"waiting", "slow", "sleeping"}),
    ),
    Running(
        "hub-connecting",
        lambda probe: (never_answers(probe),),
        connect_hub,
        frozenset({"request"}),
        on_aclose=StreamError,
        on_client_close=ClientClosedError,
    ),
    Running(
        "hub-connect-backoff",
        lambda probe: (status(503)(probe),),
        connect_hub,
        frozenset({"sleeping"}),
        on_aclose=StreamError,
        on_client_close=ClientClosedError,
    ),
    Running(
        "rest-in-flight",
        lambda probe: (never_answers(probe),),
        list_devices,
        frozenset({"request"}),
        aclose=False,
        on_client_close=ClientClosedError,
    ),
    Running(
        "rest-limiter-wait",
        lambda probe: (answers_empty_list(probe),),
        list_devices_behind_the_limiter,
        frozenset({"sleeping"}),
        limiter=lambda clock: RateLimiter(0.001, burst=1, clock=clock),
        aclose=False,
        on_client_close=ClientClosedError,
    ),
    Running(
        "rest-retry-backoff",
        lambda probe: (status(503)(probe),),
        list_devices,
        frozenset({"sleeping"}),
        retry=SLOW_RETRY,
        aclose=False,
        on_client_close=ClientClosedError,
    ),
]


def final_state_ok(obj: object) -> bool:
    return getattr(obj, "state", None) is StreamState.CLOSED
