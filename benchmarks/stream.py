"""1. Stream throughput: N events over one connection, decoded, timed first to last event.

Every client reads the same `/burst/<n>` answer of the loopback server (n pre-built
Particle frames written as fast as the socket takes them) and stops after n events:

- particle_async `cloud.events.subscribe("temp")` -> typed `Event`s, twice: with the
  core install's stdlib JSON ("core": `_convert._envelope` swapped for
  `_envelope_stdlib` for those rounds) and with the library's automatic choice
  ("speedups": msgspec, when the `speedups` extra is installed);
- httpx-sse: `aconnect_sse` + `aiter_sse()` + `json.loads(sse.data)` (a dict, no model);
- the httpx floor: `httpx` `aiter_raw()`, split on blank lines, `json.loads` of each
  `data:` line; what any httpx-based SSE client must at least do;
- with `--extra-clients`: aiohttp-sse-client + `json.loads`, and a raw asyncio socket
  that only splits frames (no HTTP client, no JSON).

Throughput is timed from the first event to the last, so connection setup does not
dilute it; "setup" (client construction + connect + first event) is its own figure.
Two clocks are read at both marks: the wall clock (events/s, what a user sees) and the
reading thread's CPU clock (events per CPU second). Ratios use the CPU clock: every
reader here is CPU-bound, so on a quiet machine the two agree (within 4 %), but on this
shared 2-core VM a read is often descheduled for part of its half second, and that
stall lands on whichever client happened to run then. CPU time leaves it out.

Each round is one fresh child process per library side. After a 1,000-event warm-up of
each client, the clients read n events in turn, `--repeat` times over (3) in an order
rotated per round, and each client's figure for the round is its best read: interference
only ever slows a read down, so the best of a few is the closest to the code's own cost.
The ratios are the median over rounds of same-round ratios. `--profile` adds per-step
costs and a cProfile of one run (this tree's library, in this process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import pstats
import time
import timeit
from collections.abc import Awaitable, Callable
from typing import Any

from ._common import TOKEN, Table, fmt_rate, median, same_round, spread
from ._harness import Context, run_child

EVENTS_PATH = "/v1/devices/events/temp"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "text/event-stream"}

CORE = "particle_async core"
SPEEDUPS = "particle_async speedups"
HTTPX_SSE = "httpx-sse + json"
FLOOR = "httpx floor"
AIOHTTP = "aiohttp-sse-client + json"
RAW = "raw socket split"
CLIENTS = [CORE, SPEEDUPS, HTTPX_SSE, FLOOR]
EXTRA = [AIOHTTP, RAW]
LABELS = {
    CORE: "particle_async subscribe(), core (stdlib json)",
    SPEEDUPS: "particle_async subscribe(), speedups extra",
    HTTPX_SSE: "httpx-sse aiter_sse() + json.loads",
    FLOOR: "httpx floor: aiter_raw + split + json.loads",
    AIOHTTP: "aiohttp-sse-client + json.loads",
    RAW: "raw socket, split frames only",
}


class Clock:
    """Marks of one read: start (before the client is built), first and last event.

    (CPU time, `time.process_time()`, tracked the wall clock within 4 % in every round
    tried here: the reader is CPU-bound, and the spread between rounds is the machine's.)
    """

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.first = self.last = 0.0
        self.cpu_first = self.cpu_last = 0.0
        self.count = 0

    def mark_first(self) -> None:
        self.first = time.perf_counter()
        self.cpu_first = time.thread_time()

    def mark_last(self) -> None:
        self.last = time.perf_counter()
        self.cpu_last = time.thread_time()

    def figures(self, n: int) -> dict[str, float]:
        if self.count != n:
            raise RuntimeError(f"got {self.count} events, expected {n}")
        return {
            "rate": (n - 1) / (self.last - self.first),
            "cpu_rate": (n - 1) / max(self.cpu_last - self.cpu_first, 1e-9),
            "setup_ms": (self.first - self.start) * 1e3,
        }


async def read_particle_async(base_url: str, n: int) -> Clock:
    from ._common import sdk_client

    clock = Clock()
    count = 0
    last = None
    async with sdk_client(base_url) as cloud, cloud.events.subscribe("temp") as stream:
        async for event in stream:
            count += 1
            if count == 1:
                clock.mark_first()
            elif count == n:
                clock.mark_last()  # before closing anything
                last = event
                break
    clock.count = count
    if n > 1 and (last is None or last.data != "21.5" or last.published_at is None):
        raise RuntimeError(f"unexpected last event {last!r}")
    return clock


async def read_httpx_sse(base_url: str, n: int) -> Clock:
    import httpx
    from httpx_sse import aconnect_sse

    clock = Clock()
    count = 0
    async with (
        httpx.AsyncClient(timeout=None) as client,
        aconnect_sse(client, "GET", base_url + EVENTS_PATH, headers=HEADERS) as source,
    ):
        async for sse in source.aiter_sse():
            json.loads(sse.data)
            count += 1
            if count == 1:
                clock.mark_first()
            elif count == n:
                clock.mark_last()  # before closing anything
                break
    clock.count = count
    return clock


async def read_httpx_floor(base_url: str, n: int) -> Clock:
    """The floor for an httpx-based client: raw bytes, frames split on blank lines, the
    JSON of each data line decoded; no SSE field parsing beyond that, no objects."""
    import httpx

    clock = Clock()
    count = 0
    loads = json.loads
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream("GET", base_url + EVENTS_PATH, headers=HEADERS) as response,
    ):
        tail = b""
        async for chunk in response.aiter_raw():
            frames = (tail + chunk).split(b"\n\n")
            tail = frames.pop()
            for frame in frames:
                for line in frame.split(b"\n"):
                    if line.startswith(b"data:"):
                        loads(line[5:])
                        count += 1
                        if count == 1:
                            clock.mark_first()
            if count >= n:
                clock.mark_last()  # before closing anything
                break
    clock.count = min(count, n)
    return clock


async def read_aiohttp_sse_client(base_url: str, n: int) -> Clock:
    import aiohttp
    from aiohttp_sse_client import client as sse_client

    clock = Clock()
    count = 0
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session,
        sse_client.EventSource(base_url + EVENTS_PATH, session=session, headers=HEADERS) as source,
    ):
        async for event in source:
            json.loads(event.data)
            count += 1
            if count == 1:
                clock.mark_first()
            elif count == n:
                clock.mark_last()  # before closing anything
                break
    clock.count = count
    return clock


async def read_raw_socket(base_url: str, n: int) -> Clock:
    """Bytes off an asyncio socket, split into frames, nothing decoded."""
    clock = Clock()
    host_port, _, prefix = base_url.removeprefix("http://").partition("/")
    host, port = host_port.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(f"GET /{prefix}{EVENTS_PATH} HTTP/1.1\r\nHost: {host_port}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        tail = b""
        frames = -1  # the ":ok" preamble is a frame too
        while frames < n:
            data = await reader.read(65536)
            if not data:
                break
            parts = (tail + data).split(b"\n\n")
            tail = parts.pop()
            if frames <= 0 < frames + len(parts):
                clock.mark_first()
            frames += len(parts)
        clock.mark_last()
    finally:
        writer.close()
    clock.count = min(frames, n)
    return clock


Reader = Callable[[str, int], Awaitable[Clock]]
READERS: dict[str, Reader] = {
    CORE: read_particle_async,
    SPEEDUPS: read_particle_async,
    HTTPX_SSE: read_httpx_sse,
    FLOOR: read_httpx_floor,
    AIOHTTP: read_aiohttp_sse_client,
    RAW: read_raw_socket,
}


async def _read(client: str, url: str, n: int) -> Clock:
    from ._compat import json_mode

    if client in (CORE, SPEEDUPS):
        json_mode("core" if client == CORE else "speedups")
    return await READERS[client](url, n)


def one_round(
    url: str, warm_url: str, n: int, clients: list[str], offset: int, repeat: int = 3
) -> dict[str, Any]:
    """In a child: warm every client up, then each reads n events, `repeat` times in turn
    in an order rotated by `offset`. Each client's best read (by each figure), and
    whether the speedups path exists."""
    from ._compat import speedups_available

    async def main() -> dict[str, Any]:
        for client in clients:
            await _read(client, warm_url, 1000)
        shift = offset % len(clients)
        reads: dict[str, list[dict[str, float]]] = {client: [] for client in clients}
        for _ in range(repeat):
            for client in clients[shift:] + clients[:shift]:
                reads[client].append((await _read(client, url, n)).figures(n))
        return {client: _best(figures) for client, figures in reads.items()}

    figures = asyncio.run(main())
    return {"clients": figures, "speedups": speedups_available()}


def _best(reads: list[dict[str, float]]) -> dict[str, float]:
    """The best of a client's reads in one round: the highest rates, the shortest setup."""
    return {
        "rate": max(r["rate"] for r in reads),
        "cpu_rate": max(r["cpu_rate"] for r in reads),
        "setup_ms": min(r["setup_ms"] for r in reads),
    }


# -- the parent ---------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("stream")
    group.add_argument("--events", type=int, default=50_000, help="events per read (50000)")
    group.add_argument(
        "--repeat", type=int, default=3, help="reads per client per round, the best kept (3)"
    )
    group.add_argument(
        "--extra-clients",
        action="store_true",
        help="also aiohttp-sse-client and a raw socket reader",
    )


def _collect(
    ctx: Context, n: int, rounds: int, repeat: int, clients: list[str]
) -> dict[str, list[Any]]:
    """Rounds interleaved across sides (alternating which side goes first)."""
    url, warm = ctx.server.url("burst", n), ctx.server.url("burst", 1000)
    results: dict[str, list[Any]] = {side.name: [] for side in ctx.sides}
    for r in range(rounds):
        order = ctx.sides if r % 2 == 0 else ctx.sides[::-1]
        for side in order:
            value = run_child(
                side, "stream", "one_round", url=url, warm_url=warm, n=n, clients=clients,
                offset=r, repeat=repeat,
            )  # fmt: skip
            results[side.name].append(value)
    return results


def _series(rounds: list[Any], client: str, key: str) -> list[float]:
    return [float(r["clients"][client][key]) for r in rounds]


def run(ctx: Context) -> None:
    n = 20_000 if ctx.quick else ctx.options.events
    rounds = ctx.rounds(5)
    repeat = 1 if ctx.quick else ctx.options.repeat
    clients = CLIENTS + (EXTRA if ctx.options.extra_clients else [])
    results = _collect(ctx, n, rounds, repeat, clients)
    names = [side.name for side in ctx.sides]
    table = Table(
        f"1. stream: {n:,} events over one connection, timed first -> last event "
        f"(best of {repeat} reads per round, median of {rounds} interleaved rounds; "
        "ratios: median of same-round ratios, by CPU time)",
        ["client", *(f"events/s {s}" for s in names), *(f"per CPU s {s}" for s in names),
         *(f"vs httpx-sse {s}" for s in names), *(f"vs floor {s}" for s in names),
         *(f"setup ms {s}" for s in names)],
        [44],
    )  # fmt: skip
    ratios: dict[tuple[str, str, str], float] = {}
    for client in clients:
        cells: dict[str, list[str]] = {"rate": [], "cpu": [], "sse": [], "floor": [], "setup": []}
        for side in names:
            rs = results[side]
            cpu = _series(rs, client, "cpu_rate")
            sse_all = same_round(cpu, _series(rs, HTTPX_SSE, "cpu_rate"))
            floor_all = same_round(cpu, _series(rs, FLOOR, "cpu_rate"))
            sse, floor = median(sse_all), median(floor_all)
            ratios[side, client, "sse"], ratios[side, client, "floor"] = sse, floor
            cells["rate"].append(fmt_rate(median(_series(rs, client, "rate"))))
            cells["cpu"].append(fmt_rate(median(cpu)))
            cells["sse"].append(f"{sse:.2f}x ({spread(sse_all)})")
            cells["floor"].append(f"{floor:.2f} ({spread(floor_all)})")
            cells["setup"].append(f"{median(_series(rs, client, 'setup_ms')):.1f}")
        table.row(LABELS[client], *(cell for key in cells for cell in cells[key]))
    speedups = {side: bool(results[side][0]["speedups"]) for side in names}
    for side, has in speedups.items():
        if not has:
            print(f"   {side}: no speedups path in this library: both particle_async rows are core")
    print(
        "   events/s: wall clock; per CPU s: events per second of the reading thread's CPU"
        " time; ratios: median (min-max) of the same-round ratios of CPU rates; setup ms:"
        " from building the client to the first event (construction, connect, request,"
        " preamble)"
    )
    _summarize(ctx, names, ratios)
    if ctx.options.profile:
        _profile(ctx, n, ctx.options.profile)


def _summarize(ctx: Context, names: list[str], ratios: dict[tuple[str, str, str], float]) -> None:
    def figures(client: str, kind: str, fmt: str) -> dict[str, str]:
        return {side: format(ratios[side, client, kind], fmt) for side in names}

    after = names[-1]
    for client, label, target in (
        (CORE, "core install", 1.3),
        (SPEEDUPS, "speedups extra", 1.5),
    ):
        values = {k: v + "x" for k, v in figures(client, "sse", ".2f").items()}
        met = ratios[after, client, "sse"] >= target
        ctx.add(f"stream vs httpx-sse + json.loads, {label}", values, f">= {target}x", met)
    for client, label in ((CORE, "core"), (SPEEDUPS, "speedups")):
        met = ratios[after, client, "floor"] >= 0.9
        ctx.add(f"stream as a fraction of the httpx floor, {label}", figures(client, "floor", ".2f"), ">= 0.9", met)  # fmt: skip


# -- profiling (this tree's library, in this process) --------------------------------------


def decode_only(n: int, rounds: int = 3) -> float:
    """particle_async's decoder + `to_event` over the same bytes, no I/O: events/s."""
    from particle_async.streaming import SSEDecoder
    from particle_async.streaming._convert import to_event

    from ._server import burst_body

    body = burst_body(n)
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    rates = []
    for _ in range(rounds):
        decoder = SSEDecoder()
        start = time.perf_counter()
        count = 0
        for chunk in chunks:
            for name, data in decoder.feed(chunk):
                to_event(name, data)
                count += 1
        rates.append(count / (time.perf_counter() - start))
    return median(rates)


def components() -> list[tuple[str, float]]:
    """Microseconds per event of each step of particle_async's per-event hot path."""
    from particle_async.models._base import parse_datetime
    from particle_async.streaming import SSEDecoder
    from particle_async.streaming._convert import to_event

    from ._server import frame

    payload = frame("21.5").split(b"data: ", 1)[1].strip().decode()
    published = json.loads(payload)["published_at"]
    blob = frame("21.5") * 1000

    def per_event(fn: Callable[[], object], repeat: int, per_call: int = 1) -> float:
        best = min(timeit.repeat(fn, number=repeat, repeat=3))
        return best / repeat / per_call * 1e6

    return [
        ("SSEDecoder.feed (per event)", per_event(lambda: SSEDecoder().feed(blob), 50, 1000)),
        ("json.loads(envelope)", per_event(lambda: json.loads(payload), 50_000)),
        *json_readers(payload, per_event),
        ("parse_datetime(published_at)", per_event(lambda: parse_datetime(published), 50_000)),
        ("to_event (envelope, fields, Event)", per_event(lambda: to_event("temp", payload), 50_000)),
    ]  # fmt: skip


def json_readers(
    payload: str, per_event: Callable[[Callable[[], object], int, int], float]
) -> list[tuple[str, float]]:
    """The envelope readers side by side, on 1,000 distinct envelopes (so no reader gains
    from seeing one text again): the stdlib scanner (core), msgspec (the `speedups`
    extra), and orjson with the check its results need to read as the stdlib does
    (integers past 64 bits come out of orjson as floats): why the extra is msgspec."""
    from particle_async.streaming import _convert

    texts = [payload.replace("21.5", str(i)) for i in range(1000)]
    readers: list[tuple[str, Callable[[str], object]]] = [
        ("envelope: stdlib scanner (core)", _convert._envelope_stdlib)
    ]
    with contextlib.suppress(ImportError):
        import msgspec

        readers.append(("envelope: msgspec (speedups)", msgspec.json.Decoder().decode))
    with contextlib.suppress(ImportError):
        import orjson

        inexact = frozenset((float, dict, list))  # what a big integer can hide in

        def orjson_checked(text: str) -> object:
            value = orjson.loads(text)
            if type(value) is dict and not inexact.isdisjoint(map(type, value.values())):
                return _convert._envelope_stdlib(text)
            return value

        readers.append(("envelope: orjson + exactness check", orjson_checked))
    rows = []
    for label, read in readers:

        def read_all(read: Callable[[str], object] = read) -> None:
            for text in texts:
                read(text)

        rows.append((label, per_event(read_all, 50, len(texts))))
    return rows


def _profile(ctx: Context, n: int, top: int) -> None:
    url = ctx.server.url("burst", n)
    print(f"\n-- decoder + to_event alone, no I/O: {decode_only(n):,.0f} events/s")
    print("-- particle_async per-event steps, no I/O (best of 3):")
    for label, micros in components():
        print(f"   {label:40} {micros:6.2f} us")
    asyncio.run(read_particle_async(ctx.server.url("burst", 1000), 1000))  # imports, caches
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(read_particle_async(url, n))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    print(f"\n-- cProfile of particle_async subscribe(), {n:,} events (top {top}):")
    print(out.getvalue())
