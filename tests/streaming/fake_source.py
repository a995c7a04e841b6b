"""`FakeSource`: the parts of an `EventSource` every scripted test source shares.

A subclass writes `__anext__` (what the source yields, and when); `aclose` may do more
than mark the state, with `super().aclose()`.
"""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

import anyio

from particle_async import Event
from particle_async.streaming import StreamState, StreamStats

__all__ = ["FakeSource"]

S = TypeVar("S", bound="FakeSource")


class FakeSource:
    """Statistics, state, `async with` and iteration; `entered` is set once entered."""

    def __init__(self) -> None:
        self._stats = StreamStats()
        self.state = StreamState.IDLE
        self.entered = anyio.Event()

    def statistics(self) -> StreamStats:
        return self._stats

    async def __aenter__(self: S) -> S:
        self.state = StreamState.CONNECTED
        self.entered.set()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self: S) -> S:
        return self

    async def __anext__(self) -> Event:
        raise NotImplementedError("a FakeSource says what it yields")

    async def aclose(self) -> None:
        self.state = StreamState.CLOSED
