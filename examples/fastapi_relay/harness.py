"""Serving the relay in a test: uvicorn in the test's own event loop, on a socket that is
bound and listening before the server starts, so requests made at once simply wait in the
backlog until startup (the lifespan, which connects the upstream) is done."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import anyio
import uvicorn
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream
from fastapi import FastAPI

TIMEOUT = 10.0


class _Server(uvicorn.Server):
    """uvicorn embedded in the test's event loop: it leaves signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listening_socket() -> socket.socket:
    """A TCP socket on 127.0.0.1, bound to a free port and already listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


@contextlib.asynccontextmanager
async def serve(app: FastAPI, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """Run `app` under uvicorn on `sock` (default: a new one); yields its base URL."""
    sock = sock or listening_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        http="h11",
        ws="none",
        lifespan="on",
        log_level="warning",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                server.should_exit = True
    finally:
        sock.close()


class Log:
    """A child process's stderr as it arrives, and a way to wait for a line in it."""

    def __init__(self) -> None:
        self.text = ""
        self._changed = anyio.Event()

    async def pump(self, process: Process) -> None:
        assert process.stderr is not None
        async for chunk in TextReceiveStream(process.stderr):
            self.text += chunk
            self._changed.set()
            self._changed = anyio.Event()

    async def wait_for(self, needle: str) -> None:
        while needle not in self.text:
            await self._changed.wait()
