"""A minimal loopback SSE server for the benchmarks, run in its own process.

It exists so that the server is never the bottleneck: no framework, no per-event
encoding on the hot path, and a separate process (own interpreter, own GIL) so it does
not compete with the client for the GIL. It speaks just enough HTTP/1.1 for httpx,
aiohttp and a raw socket: read the request head, answer `200 text/event-stream` with
`Connection: close` and a close-delimited body (no chunked framing), then write.

What to write is chosen by the start of the request path, so one server serves every
benchmark and a client picks a mode through its base URL
(`Particle(base_url=server.url("burst", 100000))` requests `/burst/100000/v1/...`):

    /burst/<n>/...           `:ok`, then n pre-built frames as fast as possible, then close
    /stamped/<n>/<rate>/...  n frames whose `data` is the monotonic clock (ns) at write time;
                             rate 0: as fast as possible (stamped per batch), else paced at
                             <rate> events/s; then close
    /idle/<ms>/...           `:ok`, then a `:` keep-alive comment every <ms> ms, until the
                             client hangs up

CLOCK_MONOTONIC is system wide on Linux, so the client subtracts the stamps from its own
`time.monotonic_ns()` to get server-write-to-receipt latency.

Run as `python -m benchmarks._server`: it prints `PORT <n>` once listening and serves until
its stdin closes. `LoopbackServer` does that from the parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import time
from functools import lru_cache
from types import TracebackType

from ._proc import start_helper, stop_child

__all__ = ["DEVICE_ID", "LoopbackServer", "frame"]

DEVICE_ID = "0123456789abcdef01234567"  # 24 hex characters, like a real device ID
HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/event-stream\r\n"
    b"Cache-Control: no-cache\r\n"
    b"Connection: close\r\n\r\n"
)
PREAMBLE = b":ok\n\n"
KEEPALIVE = b":\n\n"
BATCH = 256  # frames per write in the stamped, unpaced mode


def frame(data: str, name: str = "temp") -> bytes:
    """One Particle-shaped SSE frame, byte for byte what api.particle.io sends."""
    return (
        f'event: {name}\ndata: {{"data":"{data}","ttl":60,'
        f'"published_at":"2026-01-01T00:00:00.000Z","coreid":"{DEVICE_ID}"}}\n\n'
    ).encode()


@lru_cache(maxsize=8)
def burst_body(n: int) -> bytes:
    return PREAMBLE + frame("21.5") * n


# -- the server (child process) --------------------------------------------------------


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b" ", 2)[1].decode()
        parts = path.strip("/").split("/")
        mode = parts[0]
        if mode == "burst":
            writer.write(HEAD + burst_body(int(parts[1])))
            await writer.drain()
        elif mode == "stamped":
            await _stamped(writer, int(parts[1]), float(parts[2]))
        elif mode == "idle":
            await _idle(reader, writer, int(parts[1]) / 1000)
        else:
            writer.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass  # the client hung up: normal at the end of every benchmark
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _stamped(writer: asyncio.StreamWriter, n: int, rate: float) -> None:
    writer.write(HEAD + PREAMBLE)
    clock = time.monotonic_ns
    if rate <= 0:
        sent = 0
        while sent < n:
            k = min(BATCH, n - sent)
            writer.write(frame(str(clock())) * k)
            sent += k
            await writer.drain()
        return
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = 0
    while sent < n:
        due = min(n, int((loop.time() - start) * rate) + 1)
        if due > sent:
            writer.write(b"".join(frame(str(clock())) for _ in range(due - sent)))
            sent = due
            await writer.drain()
        else:
            await asyncio.sleep(start + sent / rate - loop.time())


async def _idle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, every: float) -> None:
    writer.write(HEAD + PREAMBLE)
    await writer.drain()
    gone = asyncio.ensure_future(reader.read())  # EOF (or reset) when the client leaves
    try:
        while not gone.done():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(gone), every)
            if not gone.done():
                writer.write(KEEPALIVE)
                await writer.drain()
    finally:
        gone.cancel()


async def _serve() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = await asyncio.start_server(_handle, sock=sock, backlog=4096)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)  # returns at EOF
    async with server:
        await stdin_closed


# -- the parent's handle -----------------------------------------------------------------


class LoopbackServer:
    """Starts `python -m benchmarks._server` and stops it (closes its stdin) on exit."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> LoopbackServer:
        self._proc = start_helper("benchmarks._server")
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith("PORT "):
            self._stop()
            raise RuntimeError(f"loopback server failed to start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_child(proc, 5)

    def url(self, *mode: object) -> str:
        """The base URL of a mode: `url("burst", 1000)` -> http://127.0.0.1:p/burst/1000."""
        return f"http://127.0.0.1:{self.port}/" + "/".join(str(m) for m in mode)


if __name__ == "__main__":
    asyncio.run(_serve())
