"""3. Many streams: S concurrent subscriptions, idle, in one process.

The loopback server's `/idle/<ms>` mode answers `:ok` and then only a `:` keep-alive
comment every <ms> ms (1 s here, harsher than the real cloud's ~9 s), never an event.

For particle_async, S `cloud.events.subscribe()` streams, each read by its own task
(`async for`), exactly as an application would hold them; for comparison, S bare
httpx-sse connections (`aconnect_sse` + `aiter_sse()`, no idle detection, no reconnect).
Measured, each in a fresh pass:

- memory per stream: the RSS delta (from /proc) from before the first connection to when
  all S are open, divided by S; and in a second pass, Python heap bytes still allocated
  per stream by tracemalloc (RSS also counts the allocator's free lists and socket
  objects' C memory; tracemalloc counts only Python allocations);
- idle CPU: process CPU seconds (user + sys) over `idle` seconds with all S open.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import cast

import anyio
import httpx
from httpx_sse import aconnect_sse

from particle_async.streaming import StreamState, StreamStatus

from ._common import TOKEN, Table, rss_bytes, sdk_client
from ._server import LoopbackServer

EVENTS_PATH = "/v1/devices/events/temp"
KEEPALIVE_MS = 1000

Opener = Callable[[str, int, anyio.Event], AbstractAsyncContextManager[None]]


class _Counter:
    def __init__(self, target: int, done: anyio.Event) -> None:
        self.n = 0
        self.target = target
        self.done = done

    def add(self) -> None:
        self.n += 1
        if self.n == self.target:
            self.done.set()


@asynccontextmanager
async def open_particle(url: str, s: int, all_open: anyio.Event) -> AsyncIterator[None]:
    """S subscriptions, each iterated by its own task, until the block exits."""
    counter = _Counter(s, all_open)

    def on_status(status: StreamStatus) -> None:
        if status.state is StreamState.CONNECTED:
            counter.add()

    async with sdk_client(url) as cloud, anyio.create_task_group() as tg:
        streams = [cloud.events.subscribe("temp", on_status=on_status) for _ in range(s)]

        async def hold(index: int) -> None:
            async for _ in streams[index]:
                pass

        for i in range(s):
            tg.start_soon(hold, i)
        yield
        for stream in streams:
            await stream.aclose()


@asynccontextmanager
async def open_httpx_sse(url: str, s: int, all_open: anyio.Event) -> AsyncIterator[None]:
    counter = _Counter(s, all_open)
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        httpx.AsyncClient(timeout=None, limits=limits) as client,
        anyio.create_task_group() as tg,
    ):

        async def hold() -> None:
            async with aconnect_sse(client, "GET", url + EVENTS_PATH, headers=headers) as source:
                counter.add()
                async for _ in source.aiter_sse():
                    pass

        for _ in range(s):
            tg.start_soon(hold)
        yield
        tg.cancel_scope.cancel()


class _AllOpen:
    """`async with _AllOpen(opener, url, s):` returns once all s streams are connected
    and have read their `:ok` preamble; the streams close when the block exits."""

    def __init__(self, opener: Opener, url: str, s: int) -> None:
        self._all_open = anyio.Event()
        self._cm = opener(url, s, self._all_open)

    async def __aenter__(self) -> None:
        await self._cm.__aenter__()
        with anyio.fail_after(60):
            await self._all_open.wait()
        await anyio.sleep(0.2)
        gc.collect()

    async def __aexit__(self, *exc_info: object) -> None:
        await self._cm.__aexit__(None, None, None)


async def measure(
    client: str, url: str, s: int, idle: float, traced_streams: int
) -> dict[str, float]:
    """Runs in a fresh child process per client, so RSS deltas do not bleed between them."""
    opener = OPENERS[client]
    async with _AllOpen(opener, url, 5):  # warm-up: lazy imports, first-use caches
        pass

    gc.collect()
    rss_before = rss_bytes()
    async with _AllOpen(opener, url, s):
        rss_after = rss_bytes()
        cpu_start = time.process_time()
        await anyio.sleep(idle)
        cpu = time.process_time() - cpu_start

    gc.collect()
    tracemalloc.start()
    async with _AllOpen(opener, url, traced_streams):
        heap, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rss_per_stream": (rss_after - rss_before) / s,
        "heap_per_stream": heap / traced_streams,
        "idle_cpu": cpu,
    }


OPENERS: dict[str, Opener] = {"particle_async": open_particle, "httpx-sse": open_httpx_sse}
LABELS = {"particle_async": "particle_async subscribe()", "httpx-sse": "httpx-sse aconnect_sse"}


def _in_child(client: str, url: str, s: int, idle: float, traced: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.many", client, url, str(s), str(idle), str(traced)],
        check=True,
        capture_output=True,
        text=True,
    )
    return cast(dict[str, float], json.loads(out.stdout.strip().splitlines()[-1]))


def run(server: LoopbackServer, *, streams: int = 1000, idle: float = 3.0) -> None:
    url = server.url("idle", KEEPALIVE_MS)
    traced = min(streams, 200)
    table = Table(
        f"3. many streams: {streams:,} concurrent idle subscriptions, keep-alive every "
        f"{KEEPALIVE_MS} ms, CPU over {idle:g} s",
        ["client", "RSS KiB/stream", "heap KiB/stream", "idle CPU s", "CPU % of core"],
        [26, 14, 15, 10, 13],
    )
    results = {client: _in_child(client, url, streams, idle, traced) for client in OPENERS}
    base = results["httpx-sse"]
    for client, r in results.items():
        table.row(
            LABELS[client],
            f"{r['rss_per_stream'] / 1024:.1f}",
            f"{r['heap_per_stream'] / 1024:.1f}",
            f"{r['idle_cpu']:.3f}",
            f"{100 * r['idle_cpu'] / idle:.1f}%",
        )
    ratio = results["particle_async"]
    print(
        f"   particle_async / httpx-sse: RSS {ratio['rss_per_stream'] / base['rss_per_stream']:.2f}x,"
        f" heap {ratio['heap_per_stream'] / base['heap_per_stream']:.2f}x,"
        f" idle CPU {ratio['idle_cpu'] / base['idle_cpu']:.2f}x"
    )
    print(
        f"   ({streams:,} keep-alives/s arrive in all; particle_async also re-arms an idle timer,"
        f" idle_timeout=15 s, on each read; heap measured over {traced} streams by tracemalloc)"
    )


if __name__ == "__main__":
    client, url, s, idle, traced = sys.argv[1:6]
    result = anyio.run(measure, client, url, int(s), float(idle), int(traced))
    print(json.dumps(result))
