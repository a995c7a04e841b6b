"""1. Stream throughput: N events over one connection, decoded, by four clients.

Every client reads the same `/burst/<n>` answer of the loopback server (n pre-built
Particle frames written as fast as the socket takes them) and stops after n events:

- particle_async: `cloud.events.subscribe("temp")` -> typed `Event`s (decoder with size
  caps, client-side prefix check, JSON envelope -> attrs model with a parsed datetime,
  counters, reconnect machinery and an idle timer armed around every read);
- httpx-sse: `aconnect_sse` + `aiter_sse()` + `json.loads(sse.data)` (a dict, no model);
- aiohttp-sse-client: `EventSource` + `json.loads(event.data)`;
- raw socket: asyncio streams, split on blank lines and count: the floor.

Rounds are interleaved (each client once per round) and the median rate is reported.
`--profile` runs particle_async once more under cProfile and prints the top entries.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import pstats
import time
import timeit
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
from aiohttp_sse_client import client as sse_client
from httpx_sse import aconnect_sse

from particle_async.models._base import parse_datetime
from particle_async.models.events import Event
from particle_async.streaming import SSEDecoder
from particle_async.streaming._convert import to_event

from ._common import TOKEN, Table, fmt_rate, median, sdk_client
from ._server import DEVICE_ID, LoopbackServer, burst_body, frame

EVENTS_PATH = "/v1/devices/events/temp"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "text/event-stream"}

Reader = Callable[[str, int], Awaitable[int]]


async def read_particle_async(base_url: str, n: int) -> int:
    count = 0
    last = None
    async with sdk_client(base_url) as cloud, cloud.events.subscribe("temp") as stream:
        async for event in stream:
            last = event
            count += 1
            if count == n:
                break
    if last is None or last.data != "21.5":
        raise RuntimeError(f"unexpected last event {last!r}")
    return count


async def read_httpx_sse(base_url: str, n: int) -> int:
    count = 0
    async with (
        httpx.AsyncClient(timeout=None) as client,
        aconnect_sse(client, "GET", base_url + EVENTS_PATH, headers=HEADERS) as source,
    ):
        async for sse in source.aiter_sse():
            json.loads(sse.data)
            count += 1
            if count == n:
                break
    return count


async def read_aiohttp_sse_client(base_url: str, n: int) -> int:
    count = 0
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session,
        sse_client.EventSource(base_url + EVENTS_PATH, session=session, headers=HEADERS) as source,
    ):
        async for event in source:
            json.loads(event.data)
            count += 1
            if count == n:
                break
    return count


async def read_raw_socket(base_url: str, n: int) -> int:
    """The floor: bytes off the socket, split into frames, nothing decoded."""
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
            frames += len(parts)
        return min(frames, n)
    finally:
        writer.close()


def decode_only(n: int, rounds: int = 3) -> float:
    """particle_async's decoder + `to_event` over the same bytes, no I/O: events/s
    (median of `rounds`)."""
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
    payload = frame("21.5").split(b"data: ", 1)[1].strip().decode()
    envelope = json.loads(payload)
    published = envelope["published_at"]
    blob = frame("21.5") * 1000

    def per_event(fn: Callable[[], object], repeat: int, per_call: int = 1) -> float:
        best = min(timeit.repeat(fn, number=repeat, repeat=3))
        return best / repeat / per_call * 1e6

    return [
        ("SSEDecoder.feed (per event)", per_event(lambda: SSEDecoder().feed(blob), 50, 1000)),
        ("json.loads(envelope)", per_event(lambda: json.loads(payload), 50_000)),
        ("parse_datetime(published_at)", per_event(lambda: parse_datetime(published), 50_000)),
        (
            "Event(...) (frozen attrs, 10 fields)",
            per_event(
                lambda: Event(
                    name="temp",
                    data="21.5",
                    ttl=60,
                    published_at=None,
                    device_id=DEVICE_ID,
                    product_id=None,
                    version=None,
                    public=None,
                    raw=envelope,
                ),
                50_000,
            ),
        ),
        (
            "to_event (all of the above but feed)",
            per_event(lambda: to_event("temp", payload), 50_000),
        ),
    ]


CLIENTS: dict[str, Reader] = {
    "particle_async subscribe()": read_particle_async,
    "httpx-sse aiter_sse+json": read_httpx_sse,
    "aiohttp-sse-client+json": read_aiohttp_sse_client,
    "raw socket split (floor)": read_raw_socket,
}


async def _timed(reader: Reader, url: str, n: int) -> float:
    start = time.perf_counter()
    got = await reader(url, n)
    elapsed = time.perf_counter() - start
    if got != n:
        raise RuntimeError(f"{reader.__name__} got {got} events, expected {n}")
    return n / elapsed


async def measure(server: LoopbackServer, n: int, rounds: int) -> dict[str, float]:
    url = server.url("burst", n)
    for reader in CLIENTS.values():  # warm-up: imports, connection setup paths, caches
        await reader(server.url("burst", 1000), 1000)
    rates: dict[str, list[float]] = {name: [] for name in CLIENTS}
    for _ in range(rounds):
        for name, reader in CLIENTS.items():
            rates[name].append(await _timed(reader, url, n))
    return {name: median(values) for name, values in rates.items()}


def profile(server: LoopbackServer, n: int, top: int = 25) -> str:
    """cProfile of one particle_async run, sorted by own time."""
    url = server.url("burst", n)
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(read_particle_async(url, n))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()


def run(server: LoopbackServer, *, n: int = 100_000, rounds: int = 3, profile_top: int = 0) -> None:
    rates = asyncio.run(measure(server, n, rounds))
    base = rates["httpx-sse aiter_sse+json"]
    table = Table(
        f"1. stream throughput: {n:,} events over one connection (median of {rounds})",
        ["client", "events/s", "vs httpx-sse", "us/event"],
        [28, 12, 12, 9],
    )
    for name, rate in rates.items():
        table.row(name, fmt_rate(rate), f"{rate / base:.2f}x", f"{1e6 / rate:.2f}")
    decoded = decode_only(n)
    table.row("  (particle_async decode only)", fmt_rate(decoded), f"{decoded / base:.2f}x", "")
    print(f"   {f'{decoded:.0f}'} events/s is the decoder + to_event alone, without any I/O")
    if profile_top:
        print("\n-- particle_async per-event steps, no I/O (best of 3):")
        for label, micros in components():
            print(f"   {label:40} {micros:6.2f} us")
        print(f"\n-- cProfile of particle_async subscribe(), {n:,} events (top {profile_top}):")
        print(profile(server, n, profile_top))
