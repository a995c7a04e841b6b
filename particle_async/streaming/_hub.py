"""`EventHub`: one upstream source fanned out to many consumers.

The pump task reads the upstream `EventSource` (an `EventStream`, or anything else that
yields events) and offers each event to every consumer whose prefix matches. Offering
never waits: each consumer has its own bounded queue, so a slow or stuck consumer can
only lose its own events, by an explicit, counted policy:

- "drop_oldest": make room by discarding the oldest queued event (fresh data wins);
- "drop_newest": discard the incoming event (what was queued is kept);
- "disconnect": end that consumer with `ConsumerOverflowError` once it drains its queue.

Queues are deques, not memory object streams: dropping the oldest item is then O(1) and
cannot race a receiver. Consumers can join and leave while events flow, each in O(1):
they live in a dict, and the pump's tuple of them is rebuilt once per change, lazily.
Every consumer's queue holds the same `Event` object (a reference, no copy), and on
asyncio the consumers are woken a batch at a time (`WakeBatch`): at 10,000 consumers
waking them all at once kept the garbage collector busy enough to set the p99.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from types import TracebackType

import anyio
from anyio.abc import TaskGroup, TaskStatus
from attrs import define, frozen

from .._errors import ClientClosedError, StreamError
from ..models.events import Event
from ._source import EventSource
from ._status import Gap, StreamState, StreamStats
from ._wakeup import WAKE_NOW, WakeBatch, WakeNow, Wakeup

__all__ = [
    "Consumer",
    "ConsumerOverflowError",
    "ConsumerStats",
    "EventHub",
    "HubStatistics",
    "Overflow",
]

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
        gaps: upstream outages since it joined (events in them reached no one).
        gap_seconds: the total length of those outages.
        last_gap: the most recent outage, if any.
    """

    delivered: int = 0
    dropped: int = 0
    high_water: int = 0
    gaps: int = 0
    gap_seconds: float = 0.0
    last_gap: Gap | None = None


@frozen
class HubStatistics:
    """A snapshot of a hub: what came in, how many read it, what the upstream says.

    Attributes:
        state: the hub's state (see `EventHub.state`).
        events_in: events read from the upstream.
        consumers: consumers attached now.
        delivered: events handed to the attached consumers' readers.
        dropped: events the attached consumers lost to their overflow policy.
        source: the upstream's counters, once started.
    """

    state: StreamState
    events_in: int
    consumers: int
    delivered: int
    dropped: int
    source: StreamStats | None


class Consumer:
    """One reader of a hub: an async iterator over the events matching its prefix."""

    def __init__(
        self,
        hub: EventHub,
        prefix: str,
        max_queue: int,
        overflow: Overflow | str,
        waker: WakeBatch | WakeNow | None = None,
    ) -> None:
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        self.prefix = prefix
        self.max_queue = max_queue
        self.overflow = Overflow(overflow)
        self.stats = ConsumerStats()
        self._hub = hub
        self._queue: deque[Event] = deque()
        self._wakeup = Wakeup()
        self._waker = WAKE_NOW if waker is None else waker  # the hub's: see `WakeBatch`
        self._ended = False
        self._error: BaseException | None = None

    def __repr__(self) -> str:
        return f"<Consumer prefix={self.prefix!r} queued={len(self._queue)} {self.stats}>"

    @property
    def queued(self) -> int:
        """How many events wait in this consumer's queue."""
        return len(self._queue)

    @property
    def ended(self) -> bool:
        """No more events will be queued (the hub stopped, or this consumer left)."""
        return self._ended

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
        self._waker.wake(self._wakeup)

    def gap(self, gap: Gap) -> None:
        """Record an upstream outage: events published during it never reach anyone."""
        stats = self.stats
        stats.gaps += 1
        stats.gap_seconds += gap.seconds
        stats.last_gap = gap

    def _end(self, error: BaseException | None = None) -> None:
        """No more events will come: queued ones are still delivered, then `error` or stop."""
        if self._ended:
            return
        self._ended = True
        self._error = error
        self._wakeup.wake()

    def __aiter__(self) -> Consumer:
        return self

    async def __anext__(self) -> Event:
        while not self._queue:
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            try:
                await self._wakeup.wait()
            except BaseException:
                self._wakeup.forget()  # cancelled: no later wake-up is meant for this wait
                raise
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
    """Fan one upstream source out to many `Consumer`s. Use as `async with hub:`.

    `source_factory` makes the upstream when the hub starts: `cloud.events.hub(...)`
    passes one that subscribes; any `EventSource` will do.
    """

    def __init__(self, source_factory: Callable[[], EventSource]):
        self._factory = source_factory
        self._consumers: dict[Consumer, None] = {}
        self._waker = WakeBatch()
        self._snapshot: tuple[Consumer, ...] | None = ()
        self._source: EventSource | None = None
        self._tg: TaskGroup | None = None
        self._error: BaseException | None = None
        self._finished = False
        self._closing = False
        self._gaps_seen = 0
        self.events_in = 0

    def __repr__(self) -> str:
        return (
            f"<EventHub {self.state.value} consumers={len(self._consumers)} "
            f"events_in={self.events_in}>"
        )

    @property
    def source(self) -> EventSource | None:
        """The upstream (its `state` and `statistics()`), once started."""
        return self._source

    stream = source
    """The older name of `source`."""

    @property
    def state(self) -> StreamState:
        """IDLE before start; the upstream's state while running; then CLOSED or FAILED."""
        if self._finished:
            return StreamState.FAILED if self._error is not None else StreamState.CLOSED
        if self._source is None:
            return StreamState.IDLE
        return self._source.state

    @property
    def consumers(self) -> tuple[Consumer, ...]:
        """The consumers currently attached."""
        return tuple(self._consumers)

    def statistics(self) -> HubStatistics:
        """Counters of the hub and its consumers (O(consumers): for dashboards)."""
        consumers = self._consumers
        return HubStatistics(
            state=self.state,
            events_in=self.events_in,
            consumers=len(consumers),
            delivered=sum(c.stats.delivered for c in consumers),
            dropped=sum(c.stats.dropped for c in consumers),
            source=self._source.statistics() if self._source is not None else None,
        )

    def subscribe(
        self,
        prefix: str = "",
        *,
        max_queue: int = 1000,
        overflow: Overflow | str = Overflow.DROP_OLDEST,
    ) -> Consumer:
        """A new consumer of events whose name starts with `prefix`."""
        consumer = Consumer(self, prefix, max_queue, overflow, self._waker)
        if self._finished:
            consumer._end(self._error)
        else:
            self._consumers[consumer] = None
            self._snapshot = None
        return consumer

    def remove(self, consumer: Consumer) -> None:
        """Detach a consumer (it stops receiving events); O(1); removing one twice is harmless."""
        if consumer in self._consumers:
            del self._consumers[consumer]
            self._snapshot = None

    async def __aenter__(self) -> EventHub:
        """Start the pump; returns once the upstream is ready (or raises why not)."""
        group = self._tg = anyio.create_task_group()
        await group.__aenter__()
        try:
            await group.start(self._pump)
        except BaseException as exc:
            await self._stop_pump(exc)
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
        await self._stop_pump(exc)

    async def _stop_pump(self, exc: BaseException | None) -> None:
        """Cancel the pump and exit its task group, whatever the body is going through.

        The group is always exited here, in the task that entered it, before anything
        else can raise: skipping that (an `await` cancelled first) corrupts the cancel
        scope stack of the task. A cancellation is passed on as itself, so the group
        sees its owner being cancelled; any other exception of the body is not, or the
        group would wrap it in an ExceptionGroup. Cancelling the pump closes the source
        (its `async with` exits), releasing the connection.
        """
        group, self._tg = self._tg, None
        assert group is not None
        group.cancel_scope.cancel()
        try:
            if isinstance(exc, anyio.get_cancelled_exc_class()):
                await group.__aexit__(type(exc), exc, exc.__traceback__)
            else:
                await group.__aexit__(None, None, None)
        finally:
            self._finish(None)

    async def aclose(self) -> None:
        """End the upstream and every consumer (queued events are still delivered)."""
        self._closing = True
        if self._source is not None:
            await self._source.aclose()
        self._finish(None)

    async def _pump(self, *, task_status: TaskStatus[None]) -> None:
        source = self._source = self._factory()
        entered = False
        try:
            async with source:
                entered = True
                task_status.started()
                await self._forward(source)
        except Exception as exc:
            self._finish(None if self._closed_by(exc) else exc)
            if not entered:
                raise
        else:
            self._finish(None)

    async def _forward(self, source: EventSource) -> None:
        async for event in source:
            self.events_in += 1
            stats = source.statistics()
            if stats.gaps != self._gaps_seen:
                self._report_gap(stats)
            snapshot = self._snapshot
            if snapshot is None:
                snapshot = self._snapshot = tuple(self._consumers)
            name = event.name
            for consumer in snapshot:
                if name.startswith(consumer.prefix):
                    consumer.offer(event)
            if self.events_in % YIELD_EVERY == 0:
                await self._let_consumers_run()

    async def _let_consumers_run(self) -> None:
        """Pause until every consumer woken so far has run.

        One network read can hold hundreds of events; without a pause here a burst fills
        even a fast consumer's queue before it runs. The wake-ups are batched (see
        `WakeBatch`), so one checkpoint may not be enough: the pump checks again until
        the last batch is woken, then once more so that batch runs before it goes on.
        """
        waker = self._waker
        waking = True
        while waking:
            waking = waker.busy
            await anyio.lowlevel.checkpoint()

    def _closed_by(self, exc: Exception) -> bool:
        """Whether `exc` only says the hub or its client was closed: a close, no failure."""
        return self._closing or isinstance(exc, ClientClosedError)

    def _report_gap(self, stats: StreamStats) -> None:
        self._gaps_seen = stats.gaps
        if stats.last_gap is not None:
            for consumer in tuple(self._consumers):
                consumer.gap(stats.last_gap)

    def _finish(self, error: BaseException | None) -> None:
        if self._finished:
            return
        self._finished = True
        self._error = error
        for consumer in tuple(self._consumers):
            consumer._end(error)
        self._consumers.clear()
        self._snapshot = ()
