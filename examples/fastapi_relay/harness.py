"""What the relay's tests share: `serve` (uvicorn in the test's own event loop, from
`tests.serving`: requests made at once wait in the backlog until the lifespan has
connected the upstream), a fresh `listening_socket`, and `Log`, a child's stderr."""

from __future__ import annotations

import anyio
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

from tests.serving import listening_socket, serve

__all__ = ["TIMEOUT", "Log", "listening_socket", "serve"]

TIMEOUT = 10.0


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
