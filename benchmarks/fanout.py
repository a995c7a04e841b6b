"""2. Fan-out: one upstream through `cloud.events.hub()` to C consumers, vs C connections.

Two runs per configuration, both against the loopback server's `/stamped` mode, whose
event `data` is the server's monotonic clock (ns) at the moment it wrote the frame:

- saturated: the server writes M = D / C events as fast as it can (D deliveries in all);
  we report deliveries per second (C x M over the time until every consumer has them);
- paced: the server writes at R = L / C events/s for a fixed offered load of L deliveries
  per second; we report p50 / p99 latency from server write to consumer receipt
  (`time.monotonic_ns()` when the consumer's `async for` hands over the event).

"hub" is one upstream connection, C consumers created before `async with hub` (so
nothing slips past), each drained by its own task with `max_queue` large enough that
nothing is dropped (drops are counted and shown if they happen). "per-conn" is C
independent `cloud.events.subscribe()` streams, each with its own connection and task.
Streams are told not to reconnect during the run (the server closes after M events).
"""

from __future__ import annotations

import time

import anyio

from particle_async.streaming import BackoffPolicy, Consumer, EventStream

from ._common import Table, fmt_rate, percentile, sdk_client
from ._server import LoopbackServer

NO_RECONNECT = BackoffPolicy(initial=60.0, cap=60.0)  # the run ends long before a retry
DEADLINE = 60.0


class Run:
    """What one configuration measured."""

    def __init__(self) -> None:
        self.latencies_ns: list[int] = []
        self.delivered = 0
        self.dropped = 0
        self.elapsed = 0.0

    @property
    def rate(self) -> float:
        return self.delivered / self.elapsed if self.elapsed else 0.0

    def p(self, q: float) -> str:
        return f"{percentile(self.latencies_ns, q) / 1e6:.2f}"


async def _drain_consumer(consumer: Consumer, m: int, run: Run) -> None:
    now = time.monotonic_ns
    record = run.latencies_ns.append
    got = 0
    async for event in consumer:
        record(now() - int(event.data or 0))
        got += 1
        if got + consumer.stats.dropped >= m:  # drop_oldest keeps the newest: the last one
            break  # always arrives
    run.delivered += got
    run.dropped += consumer.stats.dropped


class _Countdown:
    """Sets `done` when `count` drainers have finished."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.done = anyio.Event()

    def tick(self) -> None:
        self.count -= 1
        if self.count == 0:
            self.done.set()


async def hub_run(url: str, consumers: int, m: int) -> Run:
    run = Run()
    countdown = _Countdown(consumers)

    async def drain(consumer: Consumer) -> None:
        await _drain_consumer(consumer, m, run)
        countdown.tick()

    async with sdk_client(url) as cloud:
        hub = cloud.events.hub("temp", backoff=NO_RECONNECT)
        subs = [hub.subscribe("temp", max_queue=max(m, 1000)) for _ in range(consumers)]
        with anyio.fail_after(DEADLINE):
            async with anyio.create_task_group() as tg:
                for consumer in subs:
                    tg.start_soon(drain, consumer)
                start = time.perf_counter()
                async with hub:
                    await countdown.done.wait()
                run.elapsed = time.perf_counter() - start
    return run


async def _drain_stream(stream: EventStream, m: int, run: Run) -> None:
    now = time.monotonic_ns
    record = run.latencies_ns.append
    got = 0
    async with stream:
        async for event in stream:
            record(now() - int(event.data or 0))
            got += 1
            if got == m:
                break
    run.delivered += got


async def per_connection_run(url: str, connections: int, m: int) -> Run:
    run = Run()
    async with sdk_client(url) as cloud:
        streams = [cloud.events.subscribe("temp", backoff=NO_RECONNECT) for _ in range(connections)]
        with anyio.fail_after(DEADLINE):
            start = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for stream in streams:
                    tg.start_soon(_drain_stream, stream, m, run)
            run.elapsed = time.perf_counter() - start
    return run


def run(
    server: LoopbackServer,
    *,
    quick: bool = False,
    deliveries: int = 100_000,
    offered_load: int = 10_000,
    paced_seconds: float = 1.5,
) -> None:
    if quick:
        deliveries, paced_seconds = 20_000, 1.0
    configs = [("per-conn", 10), ("hub", 10), ("per-conn", 100), ("hub", 100), ("hub", 1000)]
    table = Table(
        f"2. fan-out: deliveries/s when saturated ({deliveries:,} per run); write-to-receipt "
        f"latency at {offered_load:,} deliveries/s offered",
        ["mode", "consumers", "deliveries/s", "vs per-conn", "p50 ms", "p99 ms", "drops"],
        [10, 9, 12, 11, 8, 8, 6],
    )
    per_conn: dict[int, float] = {}
    for mode, c in configs:
        runner = hub_run if mode == "hub" else per_connection_run
        m = max(1, deliveries // c)
        saturated = anyio.run(runner, server.url("stamped", m, 0), c, m)
        rate = max(1, offered_load // c)
        m_paced = max(1, int(rate * paced_seconds))
        paced = anyio.run(runner, server.url("stamped", m_paced, rate), c, m_paced)
        if mode == "per-conn":
            per_conn[c] = saturated.rate
        ratio = f"{saturated.rate / per_conn[c]:.2f}x" if c in per_conn else "-"
        table.row(
            mode,
            c,
            fmt_rate(saturated.rate),
            ratio,
            paced.p(50),
            paced.p(99),
            saturated.dropped + paced.dropped,
        )
