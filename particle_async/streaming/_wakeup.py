"""`Wakeup` and `WakeBatch`: how hub consumers sleep, and how the hub wakes thousands of them.

A consumer waits once per event it reads, so the primitive matters at 10,000 consumers.
`anyio.Event()` costs a backend lookup plus an event object per wait (4-12 µs); on
asyncio a bare loop future does the same job in ~1-3 µs, and `Consumer.__anext__` awaits
that future itself (no coroutine in between). Trio (and anything else) gets `anyio.Event`,
which is correct everywhere. Both are cancellable like any await.

Waking is where the time went at 10,000 consumers: each woken task is a loop `Handle`
(plus an argument tuple) that lives until the task runs. Setting 10,000 futures in one go
leaves 20,000 such objects alive at once, enough to run the young-generation collector
dozens of times per event; what they and the idle consumers' waiters are at that moment
gets promoted, and every few events a full collection of the whole heap (10,000 tasks and
their consumers) takes 100-250 ms: that, not the wake-ups themselves, was the p99.
`WakeBatch` instead queues the futures and wakes `BATCH` of them per loop iteration, from
one loop callback: at most a few hundred wake-ups are pending at any time, the collector
stays idle, and the woken tasks run in the order the events reached them. Off asyncio it
wakes each consumer at once, as before.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

import anyio

_running_loop: Callable[[], asyncio.AbstractEventLoop | None] = asyncio._get_running_loop
"""The asyncio loop we run on, or None under trio (no exception to catch): C, one call."""
_Future = asyncio.Future  # the C future, as `loop.create_future()` makes it, one call less

__all__ = ["BATCH", "WAKE_NOW", "WakeBatch", "WakeNow", "Wakeup"]

BATCH = 128
"""Futures set per loop iteration: their handles and what the woken tasks allocate stay
below the collector's young-generation threshold (700 objects by default)."""


class Wakeup:
    """One waiter at a time; `wake()` from the same thread resumes it (or is a no-op)."""

    __slots__ = ("_event", "_future")

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None
        self._event: anyio.Event | None = None

    def wake(self) -> None:
        """Resume the waiter now, if there is one."""
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

    def wait(self) -> Awaitable[None]:
        """Something to await until the next `wake()`: on asyncio, the bare future."""
        loop = _running_loop()
        if loop is not None:
            future: asyncio.Future[None] = _Future(loop=loop)
            self._future = future
            return future
        event = self._event = anyio.Event()
        return event.wait()

    def forget(self) -> None:
        """The wait was abandoned (cancelled): drop its waiter, so no wake goes to it."""
        self._future = None
        self._event = None


class WakeBatch:
    """Wakes `Wakeup`s `size` per loop iteration on asyncio, in the order given; at once
    elsewhere. `busy` while some wait their turn."""

    __slots__ = ("_loop", "_pending", "size")

    def __init__(self, size: int = BATCH) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.size = size
        self._pending: deque[asyncio.Future[None]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None  # set while a flush is due

    @property
    def busy(self) -> bool:
        """Some wake-ups are queued, not yet made."""
        return bool(self._pending)

    def wake(self, wakeup: Wakeup) -> None:
        """Wake `wakeup`'s waiter soon (asyncio: within `len(queue) / size` iterations)."""
        future = wakeup._future  # detached here, set at its turn (a second wake: no-op)
        if future is None:
            wakeup.wake()  # a trio waiter, or nobody waiting: nothing to batch
            return
        wakeup._future = None
        self._pending.append(future)
        if self._loop is None:
            loop = self._loop = future.get_loop()
            loop.call_soon(self._flush)

    def _flush(self) -> None:
        pending = self._pending
        for _ in range(min(self.size, len(pending))):
            future = pending.popleft()
            if not future.done():  # cancelled: its consumer stopped waiting
                future.set_result(None)
        loop, self._loop = self._loop, None
        if pending and loop is not None and not loop.is_closed():
            self._loop = loop
            loop.call_soon(self._flush)


class WakeNow:
    """Wakes each `Wakeup` at once: for a consumer fed by something other than a hub's pump
    (a webhook receiver offers one event per request: nothing to batch)."""

    __slots__ = ()

    busy = False

    def wake(self, wakeup: Wakeup) -> None:
        wakeup.wake()


WAKE_NOW = WakeNow()
