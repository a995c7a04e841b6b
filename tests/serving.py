"""An ASGI app under a real uvicorn server, in the test's own event loop, on a socket
bound and listening before the server starts: requests made at once simply wait in the
backlog until startup (a lifespan, say, connecting its upstream) is done, so nothing polls.

Shared by the relay example's tests, the webhook receiver's and the webhook backend's.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import anyio
import uvicorn


class _Server(uvicorn.Server):
    """uvicorn embedded in the test's event loop: it leaves signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listening_socket() -> socket.socket:
    """A TCP socket on 127.0.0.1, bound to a free port and already listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@contextlib.asynccontextmanager
async def serve(
    app: Any,
    sock: socket.socket | None = None,
    *,
    lifespan: Literal["on", "off", "auto"] = "on",
    grace: float = 5.0,
) -> AsyncIterator[str]:
    """Run `app` under uvicorn on `sock` (default: a new one); yields its base URL.

    `grace` is uvicorn's `timeout_graceful_shutdown`: how long open responses may take
    to finish when the block ends.
    """
    sock = sock or listening_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        http="h11",
        ws="none",
        lifespan=lifespan,
        log_level="warning",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=grace,
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
