"""`EventSource`: what an `EventHub` (or any consumer) needs from a stream of events.

An `EventStream` is one; so is anything else that yields `Event`s and can say how it is
doing: a Redis-fed bridge, a replayed file, a webhook receiver. The hub depends on this
protocol only, never on `EventStream` itself.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, runtime_checkable

from ..models.events import Event
from ._status import StreamState, StreamStats

__all__ = ["EventSource"]


@runtime_checkable
class EventSource(Protocol):
    """An async context manager and async iterator of `Event`s, with its counters.

    `__aenter__` returns once the source is ready (or raises why it cannot be);
    `__anext__` raises `StopAsyncIteration` when the source has ended; `aclose` may be
    called from another task and makes a pending `__anext__` end promptly.
    `statistics().gaps` counts outages in which events may have been lost.
    """

    @property
    def state(self) -> StreamState:
        """Where the source is: connecting, connected, reconnecting, closed or failed."""
        ...

    def statistics(self) -> StreamStats:
        """The source's counters (`events`, `connects`, `gaps`, ...)."""
        ...

    async def __aenter__(self) -> EventSource: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def __aiter__(self) -> EventSource: ...

    async def __anext__(self) -> Event: ...

    async def aclose(self) -> None:
        """End the source; a pending `__anext__` in another task ends promptly."""
        ...
