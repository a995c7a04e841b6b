"""A raw-socket HTTP server on 127.0.0.1 where each test scripts every byte (asyncio or trio).

Each accepted connection reads one request (head and `Content-Length` body) and then runs
the next script (the last one repeats): a status, an SSE preamble, exact bytes, a trickle,
a stall, a TCP reset. The server records every connection (opened/closed, with times) and
every request (method, path, headers, time), and tests wait on those counts with bounded,
event-driven waits instead of sleeping. `tests/streaming/sse_server.py` is the same idea for
the streaming suite; this one adds the bookkeeping and the hostile moves.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from anyio.abc import SocketAttribute, SocketStream
from attrs import define, field

from ..streaming.sse_server import frame

__all__ = [
    "Conn",
    "RawServer",
    "Request",
    "Script",
    "frame",
    "raw_frame",
    "raw_server",
    "reply",
    "silent",
    "sse",
]

Script = Callable[["Conn"], Awaitable[None]]
_GONE = (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream, OSError)


def raw_frame(name: str, data: bytes) -> bytes:
    """One SSE event whose `data:` line is exactly `data` (hostile JSON included)."""
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"


@define
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when its head was complete
    conn: int


@define
class Conn:
    """One accepted connection, handed to the script after its first request was read."""

    stream: SocketStream
    index: int
    server: RawServer
    request: Request | None = None
    opened_at: float = field(factory=time.monotonic)
    closed_at: float | None = None
    _buffer: bytes = b""

    async def read_request(self) -> Request:
        """Read one request (head, then a `Content-Length` body) and record it."""
        while b"\r\n\r\n" not in self._buffer:
            self._buffer += await self.stream.receive()
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        at = time.monotonic()
        request_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}
        length = int(headers.get("content-length", "0"))
        while len(self._buffer) < length:
            self._buffer += await self.stream.receive()
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        method, target = request_line.split(" ")[:2]
        self.request = Request(method, target, headers, body, at, self.index)
        self.server._record(self.request)
        return self.request

    @property
    def path(self) -> str:
        assert self.request is not None
        return self.request.path

    def nodelay(self) -> None:
        """Send each small write as its own segment (for trickle tests)."""
        raw: socket.socket = self.stream.extra(SocketAttribute.raw_socket)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def send(self, data: bytes) -> None:
        await self.stream.send(data)

    async def send_head(
        self, status: int = 200, headers: dict[str, str] | None = None, reason: str = "X"
    ) -> None:
        """A status line and headers (plus `Connection: close`), no body."""
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        lines.append("Connection: close")
        await self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    async def respond(
        self,
        status: int = 200,
        body: bytes = b"{}",
        headers: dict[str, str] | None = None,
        *,
        content_type: str = "application/json",
    ) -> None:
        """A complete response with `Content-Length`, then the connection ends."""
        merged = {"Content-Type": content_type, **(headers or {})}
        merged.setdefault("Content-Length", str(len(body)))
        await self.send_head(status, merged)
        await self.send(body)

    async def start_stream(
        self, preamble: bytes = b":ok\n\n", headers: dict[str, str] | None = None
    ) -> None:
        base = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        await self.send_head(200, {**base, **(headers or {})})
        if preamble:
            await self.send(preamble)

    async def trickle(self, data: bytes, size: int = 1, interval: float = 0.0) -> None:
        """Send `data` `size` bytes at a time; `interval` seconds apart (0: just yield)."""
        for start in range(0, len(data), size):
            await self.send(data[start : start + size])
            if interval:
                await anyio.sleep(interval)
            else:
                await anyio.lowlevel.checkpoint()

    async def stall(self) -> None:
        """Send nothing more; return when the client hangs up."""
        try:
            while await self.stream.receive():
                pass
        except _GONE:
            pass

    async def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), not a clean FIN."""
        raw: socket.socket = self.stream.extra(SocketAttribute.raw_socket)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await self.stream.aclose()


class RawServer:
    """The listener's record: connections, requests, and event-driven waits on them."""

    def __init__(self, scripts: list[Script]):
        self.scripts = scripts
        self.connections: list[Conn] = []
        self.requests: list[Request] = []
        self.closed = 0
        self.port = 0
        self._changed = anyio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def opened(self) -> int:
        return len(self.connections)

    async def _handle(self, stream: SocketStream) -> None:
        conn = Conn(stream, len(self.connections), self)
        self.connections.append(conn)
        self._notify()
        script = self.scripts[min(conn.index, len(self.scripts) - 1)]
        try:
            async with stream:
                await conn.read_request()
                await script(conn)
        except _GONE:
            pass
        finally:
            conn.closed_at = time.monotonic()
            self.closed += 1
            self._notify()

    def _record(self, request: Request) -> None:
        self.requests.append(request)
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def _wait_for(self, ready: Callable[[], bool], within: float) -> None:
        with anyio.fail_after(within):
            while not ready():
                await self._changed.wait()

    async def wait_connections(self, count: int, within: float = 5.0) -> None:
        await self._wait_for(lambda: self.opened >= count, within)

    async def wait_closed(self, count: int, within: float = 5.0) -> None:
        await self._wait_for(lambda: self.closed >= count, within)

    async def wait_requests(self, count: int, within: float = 5.0) -> None:
        await self._wait_for(lambda: len(self.requests) >= count, within)


@asynccontextmanager
async def raw_server(*scripts: Script, port: int = 0) -> AsyncIterator[RawServer]:
    """Serve `scripts` (one per connection, the last repeats) on 127.0.0.1:`port`."""
    server = RawServer(list(scripts))
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port)
    server.port = listener.extra(SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, server._handle)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()


# -- scripts used by many tests -------------------------------------------------------
def reply(status: int = 200, body: bytes = b"{}", headers: dict[str, str] | None = None) -> Script:
    async def script(conn: Conn) -> None:
        await conn.respond(status, body, headers)

    return script


def sse(*chunks: bytes, preamble: bytes = b":ok\n\n") -> Script:
    """A proper event stream: the preamble, `chunks` in order, then silence."""

    async def script(conn: Conn) -> None:
        await conn.start_stream(preamble)
        for chunk in chunks:
            await conn.send(chunk)
        await conn.stall()

    return script


async def silent(conn: Conn) -> None:
    """Accept, read the request, never answer."""
    await conn.stall()
