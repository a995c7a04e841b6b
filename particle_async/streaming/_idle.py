"""`IdleWatch`: cancel a stream's read once no progress was made for `idle_timeout`.

The obvious way, a fresh deadline scope around every read, arms and disarms a timer for
each chunk: at thousands of idle streams that is most of their CPU, spent on keep-alives
(30-80 µs each). The watch instead arms one timer per read loop. On asyncio it is a bare
`loop.call_at` that, when it fires, compares the stream's last-progress time with the
deadline and either cancels the scope or re-arms itself for the new deadline: each
keep-alive then costs only the timestamp the stream records anyway. Trio (and any other
backend) moves the scope's own deadline on each progress, which is cheap there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import anyio

from ._wakeup import _running_loop

__all__ = ["IdleWatch"]


class IdleWatch:
    """Cancels `scope` when `deadline()` (an anyio time) has passed."""

    __slots__ = ("_deadline", "_handle", "_loop", "_scope", "now")

    def __init__(self, scope: anyio.CancelScope, deadline: Callable[[], float]):
        self._scope = scope
        self._deadline = deadline
        self._loop = _running_loop()
        self._handle: asyncio.TimerHandle | None = None
        self.now: Callable[[], float] = anyio.current_time
        """The anyio clock, read directly where that is cheaper: `loop.time` on asyncio
        (anyio's own reading looks the backend up first, ~2 µs a chunk)."""
        if self._loop is None:
            scope.deadline = deadline()
        else:
            self.now = self._loop.time
            self._handle = self._loop.call_at(deadline(), self._check)

    def progressed(self) -> None:
        """The stream made progress (called after each chunk): move the deadline."""
        if self._loop is None:
            self._scope.deadline = self._deadline()

    def _check(self) -> None:
        assert self._loop is not None
        due = self._deadline()
        if self._loop.time() >= due:
            self._handle = None
            self._scope.cancel()
        else:
            self._handle = self._loop.call_at(due, self._check)

    def stop(self) -> None:
        """The read loop ended: disarm."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
