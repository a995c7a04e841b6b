"""`ManualClock`: time that moves only when a test says so, for the fake's rate limiter
and for webhook rate caps and retry back-off.

`FakeCloud(clock=...)` takes any zero-argument callable returning seconds. A plain
callable is only read; a `ManualClock` also tells its listeners when it moves, so a
webhook worker waiting for a retry or for the rate window wakes the moment the test
advances time, and never sleeps on the wall clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["ManualClock"]


class ManualClock:
    """A thread-safe, monotonic time source. `clock()` reads it; `advance(s)` (or
    `clock.now += s`) moves it forward and wakes whatever waits on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def __repr__(self) -> str:
        return f"<ManualClock now={self():.3f}>"

    @property
    def now(self) -> float:
        """The current fake time in seconds; assign to it to jump there."""
        return self()

    @now.setter
    def now(self, value: float) -> None:
        self.advance(value - self())

    def advance(self, seconds: float) -> None:
        """Move forward by `seconds` (never back: the fake's timing assumes monotonic
        time), then notify listeners on the caller's thread."""
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward")
        with self._lock:
            self._now += seconds
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def on_advance(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` after every move; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe
