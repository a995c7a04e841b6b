"""3. Many streams: S concurrent idle subscriptions in one process, vs bare httpx-sse.

The loopback server's `/idle/<ms>` mode answers `:ok` and then only a `:` keep-alive
comment every <ms> ms (1 s here, harsher than the real cloud's ~9 s), never an event.

For each S of `--streams 1000,5000`: particle_async holds S `cloud.events.subscribe()`
streams, each read by its own task (`async for`), as an application would; httpx-sse
holds S bare connections (`aconnect_sse` + `aiter_sse()`: no idle detection, no
reconnect). Each client runs in its own fresh child process, and the two of a side run
at the same time: both open their S streams, then for each of `--windows` (3) idle
windows both report ready and the parent starts both windows together, so each
same-window ratio compares two processes under the same machine load. Measured:

- idle CPU: process CPU seconds (user + sys) over each `--idle` window (2 s), all S open;
- RSS per stream: the RSS delta (from /proc) from before the first connection to when all
  S are open, divided by S;
- heap per stream: Python bytes still allocated per stream (tracemalloc, over 200 streams,
  in a second pass after the idle windows);
- open s: the time to open all S (not a target; see below).

particle_async opens all S at once on one `Particle`, as an application would: it
spreads its streams over connection pools of 500 (`resources/events.py`), and the
streams that had to reconnect are counted (0 expected). httpx-sse opens its streams
100 at a time, on one httpx client per 1,000 streams: httpcore's pool does O(connections)
work per request (about 2-3 ms per request at 1,000 connections here), so 5,000 requests
at once on one pool take minutes. (So did particle_async's before it spread its streams:
its 10 s connect timeout fired and the streams retried in a storm; an older library is
therefore opened the httpx-sse way.) Idle reads never touch the pool, so this shapes the
opening only, not the idle figures.

Ratios are particle_async over httpx-sse, the median of same-window ratios (over all
windows of all `--rounds`, 1 by default: fresh process pairs per side).
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

from ._common import TOKEN, Table, counts, median, rss_bytes, same_round, spread
from ._harness import Child, Context, sync_point

EVENTS_PATH = "/v1/devices/events/temp"
KEEPALIVE_MS = 1000
TRACED = 200
PARTICLE, HTTPX_SSE = "particle_async", "httpx-sse"
LABELS = {PARTICLE: "particle_async subscribe()", HTTPX_SSE: "httpx-sse aconnect_sse"}

Opener = Callable[[str, int], AbstractAsyncContextManager[None]]
PER_CLIENT = 1000  # streams per client (httpx client or Particle), see _open_in_batches
BATCH = 100


class _Opened:
    """How many streams are open; `wait(n)` returns once at least n are."""

    def __init__(self) -> None:
        import anyio

        self.n = 0
        self._changed = anyio.Event()

    def add(self) -> None:
        self.n += 1
        self._changed.set()

    async def wait(self, n: int) -> None:
        import anyio

        with anyio.fail_after(120):
            while self.n < n:
                self._changed = anyio.Event()
                await self._changed.wait()


async def _open_in_batches(s: int, start: Callable[[int], None], opened: _Opened) -> None:
    """Start the S holders BATCH at a time, each batch once the previous one is open.

    Why: httpcore's connection pool does O(connections) work per request, so S requests
    at once cost O(S^2) before any connects; at 5,000 the connects then time out
    (Particle's 10 s connect timeout) and the streams retry in a storm. Batches (and
    one client per PER_CLIENT streams) keep opening to seconds, for both clients alike.
    It changes nothing once they are open: an idle read does not touch the pool.
    """

    for first in range(0, s, BATCH):
        last = min(s, first + BATCH)
        for i in range(first, last):
            start(i)
        await opened.wait(last)
    await _settle()


async def _settle() -> None:
    import anyio

    await anyio.sleep(0.2)  # let the last preambles be read
    gc.collect()


def _clients(s: int) -> int:
    return -(-s // PER_CLIENT)


@asynccontextmanager
async def open_particle(url: str, s: int) -> AsyncIterator[None]:
    """S subscriptions, each iterated by its own task, until the block exits.

    All S at once on one `Particle`, as an application would open them, when the
    library spreads its streams over several connection pools; an older library (the
    before side) needs the batches and one client per PER_CLIENT streams that httpx-sse
    gets (see `_open_in_batches`), or its streams never connect.
    """
    import anyio

    from particle_async.streaming import StreamState

    from ._common import sdk_client
    from ._compat import spreads_streams

    opened = _Opened()

    def on_status(status: Any) -> None:
        if status.state is StreamState.CONNECTED:
            opened.add()
        elif status.state is StreamState.RECONNECTING and status.delay is not None:
            RECONNECTS[0] += 1

    async def hold(stream: Any) -> None:
        async for _ in stream:
            pass

    async with AsyncExitStack() as stack:
        count = 1 if spreads_streams() else _clients(s)
        clients = [await stack.enter_async_context(sdk_client(url)) for _ in range(count)]
        tg = await stack.enter_async_context(anyio.create_task_group())
        per_client = -(-s // count)
        streams = [
            clients[i // per_client].events.subscribe("temp", on_status=on_status) for i in range(s)
        ]
        if count == 1:
            for stream in streams:
                tg.start_soon(hold, stream)
            await opened.wait(s)
            await _settle()
        else:
            await _open_in_batches(s, lambda i: tg.start_soon(hold, streams[i]), opened)
        yield
        for stream in streams:
            await stream.aclose()


RECONNECTS = [0]
"""Reconnects (a failed open or a dropped stream, then a wait) of particle_async streams
in this child: 0 expected; opening thousands at once must not time out and retry."""


@asynccontextmanager
async def open_httpx_sse(url: str, s: int) -> AsyncIterator[None]:
    import anyio
    import httpx
    from httpx_sse import aconnect_sse

    opened = _Opened()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def hold(client: httpx.AsyncClient) -> None:
        async with aconnect_sse(client, "GET", url + EVENTS_PATH, headers=headers) as source:
            opened.add()
            async for _ in source.aiter_sse():
                pass

    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(timeout=None, limits=limits))
            for _ in range(_clients(s))
        ]
        tg = await stack.enter_async_context(anyio.create_task_group())
        await _open_in_batches(s, lambda i: tg.start_soon(hold, clients[i // PER_CLIENT]), opened)
        yield
        tg.cancel_scope.cancel()


OPENERS: dict[str, Opener] = {PARTICLE: open_particle, HTTPX_SSE: open_httpx_sse}


def hold(client: str, url: str, s: int, idle: float, windows: int, traced: int) -> dict[str, Any]:
    """In a child: open S streams; `windows` times, print READY, wait for the parent's
    go and measure CPU over `idle` seconds; then the heap per stream over `traced`."""
    import anyio

    opener = OPENERS[client]

    async def main() -> dict[str, Any]:
        async with opener(url, 5):  # warm-up: lazy imports, first-use caches
            pass
        gc.collect()
        rss_before = rss_bytes()
        started = time.perf_counter()
        async with opener(url, s):
            opened = time.perf_counter() - started
            rss_after = rss_bytes()
            cpu = []
            for _ in range(windows):
                await anyio.to_thread.run_sync(sync_point, "READY")  # the loop keeps running
                cpu_start = time.process_time()
                await anyio.sleep(idle)
                cpu.append(time.process_time() - cpu_start)
        gc.collect()
        tracemalloc.start()
        async with opener(url, traced):
            heap, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "reconnects": RECONNECTS[0],
            "rss_per_stream": (rss_after - rss_before) / s,
            "heap_per_stream": heap / traced,
            "idle_cpu": cpu,
            "open_s": opened,
        }

    return anyio.run(main)


# -- the parent ---------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("many")
    group.add_argument(
        "--streams", type=counts, default=[1000, 5000], help="idle stream counts (1000,5000)"
    )
    group.add_argument("--idle", type=float, default=2.0, help="idle window in seconds (2)")
    group.add_argument("--windows", type=int, default=3, help="idle windows per process (3)")


def _pair(ctx: Context, side_index: int, url: str, s: int, idle: float) -> dict[str, Any]:
    """Both clients at once on one side: start; each window, wait until both are ready,
    then start both windows together."""
    side = ctx.sides[side_index]
    windows = ctx.options.windows
    kwargs = dict(url=url, s=s, idle=idle, windows=windows, traced=min(s, TRACED))
    children = {client: Child(side, "many", "hold", client=client, **kwargs) for client in OPENERS}
    try:
        for _ in range(windows):
            for child in children.values():
                child.expect("READY")
            for child in children.values():
                child.send("GO")
        return {client: child.result() for client, child in children.items()}
    finally:
        for child in children.values():
            child.kill()  # a no-op for those that finished


def run(ctx: Context) -> None:
    url = ctx.server.url("idle", KEEPALIVE_MS)
    counts = [200] if ctx.quick else ctx.options.streams
    idle = 1.0 if ctx.quick else ctx.options.idle
    rounds = ctx.rounds(1)
    names = [side.name for side in ctx.sides]
    results: dict[tuple[str, int], list[Any]] = {(n, s): [] for n in names for s in counts}
    for r in range(rounds):
        for s in counts:
            order = range(len(names)) if r % 2 == 0 else range(len(names) - 1, -1, -1)
            for i in order:
                results[names[i], s].append(_pair(ctx, i, url, s, idle))
    table = Table(
        f"3. many idle streams: keep-alive every {KEEPALIVE_MS} ms per stream, CPU over "
        f"{idle:g} s windows x {ctx.options.windows} x {rounds} round(s), both clients at once",
        ["streams", "client", *(f"idle CPU s {s}" for s in names),
         *(f"vs httpx-sse {s}" for s in names), *(f"RSS KiB/stream {s}" for s in names),
         *(f"heap KiB/stream {s}" for s in names), *(f"open s {s}" for s in names)],
        [7, 26],
    )  # fmt: skip
    for s in counts:
        cpu_ratio: dict[str, float] = {}
        rss: dict[str, float] = {}
        for client in OPENERS:
            cells: dict[str, list[str]] = {
                "cpu": [],
                "ratio": [],
                "rss": [],
                "heap": [],
                "open": [],
            }
            for side in names:
                rs = results[side, s]
                cpu = [c for r in rs for c in r[client]["idle_cpu"]]
                ratios = same_round(cpu, [c for r in rs for c in r[HTTPX_SSE]["idle_cpu"]])
                ratio = median(ratios)
                kib = median([r[client]["rss_per_stream"] for r in rs]) / 1024
                if client == PARTICLE:
                    cpu_ratio[side], rss[side] = ratio, kib
                cells["cpu"].append(f"{median(cpu):.3f}")
                cells["ratio"].append(f"{ratio:.2f}x ({spread(ratios)})")
                cells["rss"].append(f"{kib:.1f}")
                heap = median([r[client]["heap_per_stream"] for r in rs]) / 1024
                cells["heap"].append(f"{heap:.1f}")
                cells["open"].append(f"{median([r[client]['open_s'] for r in rs]):.1f}")
            table.row(f"{s:,}", LABELS[client], *cells["cpu"], *cells["ratio"], *cells["rss"], *cells["heap"], *cells["open"])  # fmt: skip
        reconnects = {
            side: sum(r[PARTICLE]["reconnects"] for r in results[side, s]) for side in names
        }
        print(f"   {s:,} streams: particle_async reconnects (should be 0): {reconnects}")
        after = names[-1]
        ctx.add(
            f"{s:,} idle streams: idle CPU vs bare httpx-sse",
            {side: f"{cpu_ratio[side]:.2f}x" for side in names},
            "<= 1.1x",
            cpu_ratio[after] <= 1.1,
        )
        ctx.add(
            f"{s:,} idle streams: RSS per stream",
            {side: f"{rss[side]:.1f} KiB" for side in names},
            "<= 40 KiB",
            rss[after] <= 40,
        )
    print(
        f"   {KEEPALIVE_MS / 1000:g} keep-alive per stream per second arrive; heap over"
        f" {min(min(counts), TRACED)} streams by tracemalloc, after the idle window"
    )
