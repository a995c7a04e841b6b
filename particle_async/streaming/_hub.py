"""`EventHub`: one upstream subscription fanned out to many consumers.

The pump task reads the upstream `EventStream` and offers each event to every consumer
whose prefix matches. Offering never waits: each consumer has its own bounded queue, so
a slow or stuck consumer can only lose its own events, by an explicit, counted policy:

- "drop_oldest": make room by discarding the oldest queued event (fresh data wins);
- "drop_newest": discard the incoming event (what was queued is kept);
- "disconnect": end that consumer with `ConsumerOverflowError` once it drains its queue.

Queues are deques, not memory object streams: dropping the oldest item is then O(1) and
cannot race a receiver. Consumers can join and leave while events flow.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from types import TracebackType

import anyio
from anyio.abc import TaskGroup, TaskStatus
from attrs import define

from .._errors import StreamError
from ..models.events import Event
from ._subscription import EventStream

__all__ = ["Consumer", "ConsumerOverflowError", "ConsumerStats", "EventHub", "Overflow"]

YIELD_EVERY = 32
"""The pump lets consumers run after this many events of one burst."""


class Overflow(str, enum.Enum):
    """What a hub consumer does when its queue is full: drop the oldest queued event, drop the
    incoming one, or end the consumer with `ConsumerOverflowError`.
    """

    DROP_OLDEST = "drop_oldest"
    DROP_NEWEST = "drop_newest"
    DISCONNECT = "disconnect"


class ConsumerOverflowError(StreamError):
    """The consumer fell `max_queue` events behind under the "disconnect" policy."""


@define
class ConsumerStats:
    """Counters of one hub consumer.

    Attributes:
        delivered: events handed to the reader.
        dropped: events lost to the overflow policy.
        high_water: the longest the queue has been.
    """

    delivered: int = 0
    dropped: int = 0
    high_water: int = 0


class Consumer:
    """One reader of a hub: an async iterator over the events matching its prefix."""

    def __init__(
        self, hub: EventHub, prefix: str, max_queue: int, overflow: Overflow | str
    ) -> None:
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        self.prefix = prefix
        self.max_queue = max_queue
        self.overflow = Overflow(overflow)
        self.stats = ConsumerStats()
        self._hub = hub
        self._queue: deque[Event] = deque()
        self._wakeup: anyio.Event | None = None
        self._ended = False
        self._error: BaseException | None = None

    def __repr__(self) -> str:
        return f"<Consumer prefix={self.prefix!r} queued={len(self._queue)} {self.stats}>"

    @property
    def queued(self) -> int:
        """How many events wait in this consumer's queue."""
        return len(self._queue)

    # Called by the hub's pump; never blocks.
    def offer(self, event: Event) -> None:
        """Queue an event for this consumer without waiting, applying the overflow policy
        (called by the hub)."""
        if self._ended:
            return
        queue = self._queue
        if len(queue) >= self.max_queue:
            if self.overflow is Overflow.DROP_NEWEST:
                self.stats.dropped += 1
                return
            if self.overflow is Overflow.DISCONNECT:
                self.stats.dropped += 1
                self._end(ConsumerOverflowError(f"consumer {self.prefix!r} fell behind"))
                self._hub.remove(self)
                return
            queue.popleft()
            self.stats.dropped += 1
        queue.append(event)
        if len(queue) > self.stats.high_water:
            self.stats.high_water = len(queue)
        wakeup = self._wakeup
        if wakeup is not None:
            self._wakeup = None
            wakeup.set()

    def _end(self, error: BaseException | None = None) -> None:
        """No more events will come: queued ones are still delivered, then `error` or stop."""
        if self._ended:
            return
        self._ended = True
        self._error = error
        if self._wakeup is not None:
            self._wakeup.set()
            self._wakeup = None

    def __aiter__(self) -> Consumer:
        return self

    async def __anext__(self) -> Event:
        while not self._queue:
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._wakeup = wakeup = anyio.Event()
            await wakeup.wait()
        self.stats.delivered += 1
        return self._queue.popleft()

    async def __aenter__(self) -> Consumer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Leave the hub and free the queue."""
        self._hub.remove(self)
        self._end()
        self._queue.clear()


class EventHub:
    """Fan one upstream stream out to many `Consumer`s. Use as `async with hub:`."""

    def __init__(self, stream_factory: Callable[[], EventStream]):
        self._factory = stream_factory
        self._consumers: list[Consumer] = []
        self._snapshot: tuple[Consumer, ...] = ()
        self._stream: EventStream | None = None
        self._tg: TaskGroup | None = None
        self._error: BaseException | None = None
        self._finished = False
        self.events_in = 0

    def __repr__(self) -> str:
        return f"<EventHub consumers={len(self._consumers)} events_in={self.events_in}>"

    @property
    def stream(self) -> EventStream | None:
        """The upstream subscription (its `state` and `stats`), once started."""
        return self._stream

    @property
    def consumers(self) -> tuple[Consumer, ...]:
        """The consumers attached now (a snapshot; safe to hold while they come and go)."""
        return self._snapshot

    def subscribe(
        self,
        prefix: str = "",
        *,
        max_queue: int = 1000,
        overflow: Overflow | str = Overflow.DROP_OLDEST,
    ) -> Consumer:
        """A new consumer of events whose name starts with `prefix`."""
        consumer = Consumer(self, prefix, max_queue, overflow)
        if self._finished:
            consumer._end(self._error)
        else:
            self._consumers.append(consumer)
            self._snapshot = tuple(self._consumers)
        return consumer

    def remove(self, consumer: Consumer) -> None:
        """Detach a consumer (it stops receiving events); removing one twice is harmless."""
        if consumer in self._consumers:
            self._consumers.remove(consumer)
            self._snapshot = tuple(self._consumers)

    async def __aenter__(self) -> EventHub:
        """Start the pump; returns once the upstream is connected (or raises why not)."""
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        try:
            await self._tg.start(self._pump)
        except BaseException:
            self._tg.cancel_scope.cancel()
            await self._tg.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the pump. The body's own exception propagates as itself, never wrapped in
        an ExceptionGroup: the pump never raises once started, so there is nothing to group.
        """
        assert self._tg is not None
        if self._stream is not None:
            await self._stream.aclose()
        self._tg.cancel_scope.cancel()
        await self._tg.__aexit__(None, None, None)
        self._finish(None)
        return None

    async def _pump(self, *, task_status: TaskStatus[None]) -> None:
        stream = self._stream = self._factory()
        try:
            async with stream:
                task_status.started()
                async for event in stream:
                    self.events_in += 1
                    name = event.name
                    for consumer in self._snapshot:
                        if name.startswith(consumer.prefix):
                            consumer.offer(event)
                    if self.events_in % YIELD_EVERY == 0:
                        # One network read can hold hundreds of events; without a pause
                        # here a burst fills even a fast consumer's queue before it runs.
                        await anyio.lowlevel.checkpoint()
        except Exception as exc:
            self._finish(exc)
            if not self._started(stream):
                raise
        else:
            self._finish(None)

    @staticmethod
    def _started(stream: EventStream) -> bool:
        return stream.stats.connects > 0

    def _finish(self, error: BaseException | None) -> None:
        self._finished = True
        self._error = error
        for consumer in self._snapshot:
            consumer._end(error)
        self._consumers.clear()
        self._snapshot = ()
