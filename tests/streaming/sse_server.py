"""A scripted HTTP server on 127.0.0.1 for byte-exact streaming tests, on asyncio or trio.

Each accepted connection runs the next script (the last one repeats). A script is an
async function given a `Conn`: it reads the request, then answers however the test
needs: a status, an SSE preamble, exact bytes, a cut in the middle of an event, a stall.
The fake cloud covers realistic behaviour; this covers the hostile corners exactly.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from anyio.abc import SocketStream

from particle_async import Particle

from ..helpers import TOKEN, FakeClock

Script = Callable[["Conn"], Awaitable[None]]


def frame(
    name: str, data: str, *, coreid: str = "0123456789abcdef01234567", ttl: object = 60
) -> bytes:
    envelope = {
        "data": data,
        "ttl": ttl,
        "published_at": "2026-01-01T00:00:00.000Z",
        "coreid": coreid,
    }
    return f"event: {name}\ndata: {json.dumps(envelope, separators=(',', ':'))}\n\n".encode()


class Conn:
    def __init__(self, stream: SocketStream, index: int):
        self.stream = stream
        self.index = index
        self.request_line = ""
        self.headers: dict[str, str] = {}

    async def read_request(self) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += await self.stream.receive()
        head = data.split(b"\r\n\r\n", 1)[0].decode()
        self.request_line, *lines = head.split("\r\n")
        self.headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}

    @property
    def path(self) -> str:
        return self.request_line.split(" ")[1]

    async def start_stream(self, preamble: bytes = b":ok\n\n") -> None:
        await self.stream.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n" + preamble
        )

    async def respond(
        self, status: int, body: bytes = b"{}", headers: dict[str, str] | None = None
    ) -> None:
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        content_type = (
            "" if "Content-Type" in (headers or {}) else "Content-Type: application/json\r\n"
        )
        head = (
            f"HTTP/1.1 {status} X\r\n{content_type}{extra}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        await self.stream.send(head.encode() + body)

    async def send(self, data: bytes) -> None:
        await self.stream.send(data)

    async def wait_closed_by_client(self) -> None:
        """Stall (send nothing) until the client hangs up."""
        try:
            while await self.stream.receive():
                pass
        except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass


class ScriptedServer:
    def __init__(self, scripts: list[Script]):
        self.scripts = scripts
        self.connections: list[Conn] = []
        self.closed_connections = 0
        self.port = 0
        self._changed = anyio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, stream: SocketStream) -> None:
        conn = Conn(stream, len(self.connections))
        self.connections.append(conn)
        script = self.scripts[min(conn.index, len(self.scripts) - 1)]
        try:
            async with stream:
                await conn.read_request()
                await script(conn)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
            pass
        finally:
            self.closed_connections += 1
            self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_closed(self, count: int) -> None:
        """Wait (event-driven, bounded) until `count` connections have ended server-side."""
        with anyio.fail_after(5):
            while self.closed_connections < count:
                await self._changed.wait()


@asynccontextmanager
async def scripted_server(*scripts: Script) -> AsyncIterator[ScriptedServer]:
    server = ScriptedServer(list(scripts))
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    server.port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, server._handle)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()


def client(server: ScriptedServer) -> Particle:
    """A Particle on `server`: no rate limiter, virtual time for reconnect back-off."""
    return Particle(token=TOKEN, base_url=server.url, rate_limiter=None, clock=FakeClock())
