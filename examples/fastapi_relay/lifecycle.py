"""What the relay knows about its own life: the upstream's state, and shutting down with
browsers still connected.

uvicorn's graceful shutdown waits for every open response to finish before it runs the
lifespan's shutdown, and an event stream never finishes on its own: past
`--timeout-graceful-shutdown` uvicorn cancels the response tasks and logs each one as
"Exception in ASGI application" with a traceback. So the relay ends its streams itself,
as soon as the server is asked to stop: `drain_on_exit_signals` chains a handler in
front of the server's own SIGINT/SIGTERM handler that sets `Draining`, and every stream
then completes its response normally. The server's handler still runs, unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import anyio

from particle_async.streaming import StreamState, StreamStatus

__all__ = ["Draining", "Upstream", "drain_on_exit_signals"]

EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)
Handler = Callable[[int, FrameType | None], Any] | int | None


class Upstream:
    """The upstream subscription as its `on_status` reports it: the current state, how
    many times it reconnected, and a way to wait for a state (for `/healthz` and tests;
    all on the server's event loop)."""

    def __init__(self) -> None:
        self.state = StreamState.IDLE
        self.reconnects = 0
        self._waiters: list[anyio.Event] = []

    @property
    def connected(self) -> bool:
        """Events can flow right now."""
        return self.state is StreamState.CONNECTED

    def update(self, status: StreamStatus) -> None:
        """The stream's `on_status` callback."""
        if status.state is StreamState.CONNECTED and self.state is StreamState.RECONNECTING:
            self.reconnects += 1
        self.state = status.state
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.set()

    async def wait_for(self, state: StreamState) -> None:
        """Return once the upstream is in `state`."""
        while self.state is not state:
            waiter = anyio.Event()
            self._waiters.append(waiter)
            await waiter.wait()


class Draining:
    """Set once the server is asked to stop: open event streams end, new ones are refused."""

    def __init__(self) -> None:
        self._event = anyio.Event()

    @property
    def is_set(self) -> bool:
        """Whether the relay is shutting down."""
        return self._event.is_set()

    def set(self) -> None:
        """Start draining (on the event loop's thread)."""
        self._event.set()

    async def wait(self) -> None:
        """Return once draining has started."""
        await self._event.wait()


@contextlib.contextmanager
def drain_on_exit_signals(draining: Draining) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM first set `draining` (on the running event loop),
    then go to whatever handler was installed before (uvicorn's, when served by it).

    Signal handlers belong to the main thread, and the handler reaches the loop through
    asyncio: in another thread, or on another event loop, this does nothing.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # not on asyncio (trio, say)
        loop = None
    if loop is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Handler] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(draining.set)
        _forward(previous.get(signum), signum, frame)

    for exit_signal in EXIT_SIGNALS:
        previous[exit_signal] = signal.signal(exit_signal, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old if old is not None else signal.SIG_DFL)


def _forward(old: Handler, signum: int, frame: FrameType | None) -> None:
    """Run the handler that was there before ours, or the default action."""
    if callable(old):
        old(signum, frame)
    elif old != signal.SIG_IGN:
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)
