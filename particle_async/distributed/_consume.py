"""`BridgeConsumer`: one worker of a consumer group reading the bridge's Redis Stream.

    async with bridge.consume("workers", "worker-1") as events:
        async for event in events:      # a BridgeEvent: an Event with .entry_id
            await handle(event)

Delivery is **at least once**; `entry_id` lets a handler de-duplicate.

**Acknowledgement** (`auto_ack=True`, the default): an entry is acknowledged once the
handler asks for the next one, i.e. once its loop body finished without raising. Leaving
the `async with` block normally acknowledges the last entry too; leaving it with an
exception does not (that entry stays pending and is redelivered). XACKs are batched: an
acknowledged entry is sent to Redis before the next read from Redis and on close, so a
crash can redeliver a few entries already handled (never skip one). With
`auto_ack=False`, call `await events.ack(event)` yourself.

**Reclaiming**: entries read by a worker that died stay pending in the group. Every
`claim_every` seconds each consumer runs `XAUTOCLAIM` for entries idle longer than
`min_idle` and handles them (`redelivered=True`). `min_idle` must exceed the longest a
live worker holds an entry (handling time + its read-ahead of `count` entries), or a slow
live worker's entries are reclaimed too (duplicates, not losses). A worker restarted
under the same name first re-reads its own pending entries.

**As an `EventSource`** (`EventHub(lambda: bridge.consume(..., include_gaps=False))`):
`state`, `statistics()` (events, gaps, `last_gap`) and `aclose()` from any task, which
ends a pending `__anext__` at once. With `include_gaps=False` gap markers are not yielded,
only counted in `statistics()` (which is where the hub reads them).

**Redis failures**: a consumer never raises on an unreachable Redis; it retries with a
jittered backoff (50 ms to 2 s) until Redis answers. If the group vanished (a Redis
restarted without persistence), it is created again from the start of the stream, and
the consumer yields a gap (`reason="redis reset"`, empty `entry_id`, never acked) from
its last entry's time to now: entries not yet read when Redis lost its data are gone.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timezone
from types import TracebackType
from typing import Any

import anyio
from attrs import define
from redis.exceptions import RedisError, ResponseError

from ..streaming import StreamState, StreamStats
from ._compat import REDIS_DOWN, REDIS_FAILURES, require_asyncio, text
from ._entries import BridgeEvent, BridgeGap, decode_entry, gap_event
from ._errors import DistributedError
from ._limiter import redis_backoff

__all__ = ["BridgeConsumer", "ConsumerStatistics"]

log = logging.getLogger("particle_async.distributed")


@define
class ConsumerStatistics:
    delivered: int = 0
    acked: int = 0
    redelivered: int = 0
    gaps: int = 0
    redis_errors: int = 0
    groups_created: int = 0


class BridgeConsumer:
    """An async iterator of `BridgeEvent`s for consumer `name` of group `group`."""

    def __init__(
        self,
        redis: Any,
        stream: str,
        group: str,
        name: str,
        *,
        count: int = 100,
        block: float = 1.0,
        min_idle: float = 30.0,
        claim_every: float | None = None,
        start: str = "0",
        auto_ack: bool = True,
        include_gaps: bool = True,
        op_timeout: float = 5.0,
    ):
        self.stream = stream
        self.group = group
        self.name = name
        self.count = count
        self.block = block
        self.min_idle = min_idle
        self.claim_every = claim_every if claim_every is not None else min_idle / 2
        self.start = start
        self.auto_ack = auto_ack
        self.include_gaps = include_gaps
        self.op_timeout = op_timeout
        self.stats = ConsumerStatistics()
        self._redis = redis
        self._buffer: deque[BridgeEvent] = deque()
        self._last: str | None = None  # delivered, not yet acknowledged (auto_ack)
        self._acks: list[str] = []
        self._own_pending = True  # first re-read what this name read before a restart
        self._claim_cursor = "0-0"
        self._next_claim = 0.0
        self._failures = 0
        self._last_entry_ms = 0
        self._ready = False
        self._closed = False
        self._scope: anyio.CancelScope | None = None
        self._stream_stats = StreamStats()

    def __repr__(self) -> str:
        return f"<BridgeConsumer {self.group}/{self.name} on {self.stream} {self.stats}>"

    # -- public face ---------------------------------------------------------------
    def __aiter__(self) -> BridgeConsumer:
        return self

    async def __aenter__(self) -> BridgeConsumer:
        require_asyncio("BridgeConsumer")
        await self._retrying(self._ensure_group)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._last = None  # the handler failed: leave that entry pending
        await self.aclose()

    async def __anext__(self) -> BridgeEvent:
        require_asyncio("BridgeConsumer")
        if self._last is not None:
            self._acks.append(self._last)
            self._last = None
        while True:
            event = await self._next_entry()
            if event is None:
                raise StopAsyncIteration
            if event.entry_id:
                if self.auto_ack:
                    self._last = event.entry_id
                self._last_entry_ms = max(self._last_entry_ms, _ms_of(event.entry_id))
            if event.gap is not None:
                self._count_gap(event.gap)
                if not self.include_gaps:
                    continue
            self.stats.delivered += 1
            return event

    async def _next_entry(self) -> BridgeEvent | None:
        """The next entry, or None once closed (`aclose` from another task ends a wait)."""
        if self._closed:
            return None
        if not self._buffer:
            self._scope = anyio.CancelScope()
            try:
                with self._scope:
                    while not self._buffer:
                        await self._fill()
            finally:
                self._scope = None
        if self._closed or not self._buffer:
            return None
        return self._buffer.popleft()

    def _count_gap(self, gap: BridgeGap) -> None:
        self.stats.gaps += 1
        self._stream_stats.gaps += 1
        self._stream_stats.gap_seconds += gap.seconds
        self._stream_stats.last_gap = gap

    @property
    def state(self) -> StreamState:
        """CONNECTED while Redis answers, RECONNECTING while it does not (the hub's view)."""
        if self._closed:
            return StreamState.CLOSED
        if not self._ready and self.stats.groups_created == 0:
            return StreamState.IDLE
        return StreamState.RECONNECTING if self._failures else StreamState.CONNECTED

    def statistics(self) -> StreamStats:
        """The `EventSource` counters: events delivered and the gaps seen in the stream."""
        stats = self._stream_stats
        stats.events = self.stats.delivered
        return stats

    async def ack(self, *events: BridgeEvent | str) -> None:
        """Acknowledge entries now (for `auto_ack=False`; harmless otherwise)."""
        self._acks.extend(e if isinstance(e, str) else e.entry_id for e in events)
        await self._retrying(self._flush_acks)

    async def aclose(self) -> None:
        """Acknowledge what was handled and stop; entries read ahead stay pending (another
        worker reclaims them after `min_idle`)."""
        if self._closed:
            return
        self._closed = True
        if self._scope is not None:
            self._scope.cancel()  # a read in flight: its entries stay pending, reclaimable
        if self._last is not None:
            self._acks.append(self._last)
            self._last = None
        self._buffer.clear()
        if self._acks:
            with anyio.CancelScope(shield=True), anyio.move_on_after(self.op_timeout):
                try:
                    await self._flush_acks()
                except REDIS_FAILURES:
                    log.warning("consumer %s: %d acks not sent", self.name, len(self._acks))

    # -- reading -----------------------------------------------------------------------
    async def _fill(self) -> None:
        await self._retrying(self._fill_once)

    async def _fill_once(self) -> None:
        if not self._ready:
            await self._ensure_group()
        await self._flush_acks()
        now = anyio.current_time()
        if now >= self._next_claim:
            self._next_claim = now + self.claim_every
            await self._claim()
            if self._buffer:
                return
        if self._own_pending:
            entries = await self._read("0", block=None)
            if not entries:
                self._own_pending = False
            self._take(entries, redelivered=True)
            return
        self._take(await self._read(">", block=self.block), redelivered=False)

    async def _read(self, from_id: str, *, block: float | None) -> list[Any]:
        block_ms = None if block is None else max(1, int(block * 1000))
        with anyio.fail_after(self.op_timeout + (block or 0.0)):
            reply = await self._redis.xreadgroup(
                self.group, self.name, {self.stream: from_id}, count=self.count, block=block_ms
            )
        return _entries_of(reply)

    async def _claim(self) -> None:
        with anyio.fail_after(self.op_timeout):
            reply = await self._redis.xautoclaim(
                self.stream,
                self.group,
                self.name,
                min_idle_time=int(self.min_idle * 1000),
                start_id=self._claim_cursor,
                count=self.count,
            )
        self._claim_cursor = text(reply[0])
        self._take(reply[1], redelivered=True)

    def _take(self, entries: Iterable[Any], *, redelivered: bool) -> None:
        for entry in entries:
            if entry is None:
                continue
            entry_id, fields = entry[0], entry[1]
            if fields is None:  # trimmed away while pending: nothing left to deliver
                if entry_id is not None:
                    self._acks.append(text(entry_id))
                continue
            event = decode_entry(entry_id, fields, redelivered=redelivered)
            if redelivered:
                self.stats.redelivered += 1
            self._buffer.append(event)

    async def _flush_acks(self) -> None:
        if not self._acks:
            return
        acks = self._acks
        with anyio.fail_after(self.op_timeout):
            await self._redis.xack(self.stream, self.group, *acks)
        self.stats.acked += len(acks)
        del acks[: len(acks)]

    async def _ensure_group(self) -> None:
        try:
            with anyio.fail_after(self.op_timeout):
                await self._redis.xgroup_create(
                    self.stream, self.group, id=self.start, mkstream=True
                )
            self.stats.groups_created += 1
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._ready = True

    async def _retrying(self, step: Any) -> None:
        """Run `step` until it works: an unreachable Redis or a lost group is waited out."""
        while True:
            try:
                await step()
            except REDIS_DOWN as exc:
                self._backoff(exc)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise DistributedError(f"consumer {self.name}: {exc}") from None
                log.warning("consumer %s: group %s is gone; creating it", self.name, self.group)
                self._ready = False
                self._own_pending = True
                self._claim_cursor = "0-0"
                self._acks.clear()  # those entries no longer exist
                self._reset_gap()
                continue
            except RedisError as exc:
                raise DistributedError(f"consumer {self.name}: {exc}") from None
            else:
                self._failures = 0
                return
            await anyio.sleep(redis_backoff(self._failures))

    def _reset_gap(self) -> None:
        """The group vanished with Redis's data: whatever was not yet read is gone. Report
        it as a gap from the last entry this consumer got to now (once per reset)."""
        if not self._last_entry_ms:
            return
        started = datetime.fromtimestamp(self._last_entry_ms / 1000, timezone.utc)
        gap = BridgeGap.between(started, datetime.now(timezone.utc), "redis reset")
        self._buffer.appendleft(gap_event(gap))
        self._last_entry_ms = 0

    def _backoff(self, exc: BaseException) -> None:
        self.stats.redis_errors += 1
        self._failures += 1
        if self._failures == 1:
            log.warning("consumer %s: Redis unreachable (%s)", self.name, type(exc).__name__)


def _ms_of(entry_id: str) -> int:
    """The Redis time (ms) in a stream id "1712345678901-0"."""
    head = entry_id.partition("-")[0]
    return int(head) if head.isdigit() else 0


def _entries_of(reply: Any) -> list[Any]:
    """The entries of an XREADGROUP reply on one stream (RESP2 list or RESP3 dict)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        value = next(iter(reply.values()))
        if value and isinstance(value[0], list):  # [[entries]] (redis-py's RESP3 shape)
            return list(value[0])
        return list(value)
    return list(reply[0][1])
