"""`Wakeup`: the cheapest way for a hub consumer to sleep until an event is queued.

A consumer waits once per event it reads, so the primitive matters at 10,000 consumers.
`anyio.Event()` costs a backend lookup plus an event object per wait (4-12 µs); on
asyncio a bare loop future does the same job in ~1-3 µs. Trio (and anything else) gets
`anyio.Event`, which is correct everywhere. Both are cancellable like any await.
"""

from __future__ import annotations

import asyncio

import anyio

__all__ = ["Wakeup"]


class Wakeup:
    """One waiter at a time; `wake()` from the same thread resumes it (or is a no-op)."""

    __slots__ = ("_event", "_future")

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None
        self._event: anyio.Event | None = None

    def wake(self) -> None:
        future = self._future
        if future is not None:
            self._future = None
            if not future.done():
                future.set_result(None)
            return
        event = self._event
        if event is not None:
            self._event = None
            event.set()

    async def wait(self) -> None:
        """Sleep until the next `wake()`."""
        loop = _running_loop()
        if loop is not None:
            future = self._future = loop.create_future()
            try:
                await future
            finally:
                if self._future is future:
                    self._future = None
        else:
            event = self._event = anyio.Event()
            await event.wait()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop we run on, or None under trio (which has no asyncio loop)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
