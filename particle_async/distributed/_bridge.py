"""`EventBridge`: one upstream subscription for a whole fleet, through a Redis Stream.

Every worker runs a bridge (`cloud.events.bridge(redis, name, prefix)`); they elect one
leader with a `Lease`. The leader alone subscribes upstream and appends each event to the
stream `{name}:events` (`XADD ... MAXLEN ~ maxlen`); every worker reads that stream in a
consumer group (`bridge.consume(group, worker)`, see `_consume.py`).

Election: a follower tries `SET NX PX` every `renew_every` seconds (default `lease_ttl/3`);
the leader renews as often. A leader that dies or is cut off stops renewing, its lease
expires, and a follower takes over within `lease_ttl + renew_every`. A leader steps down
by itself (drops its upstream) when it could not renew before its lease would expire on
its own clock, and the instant a write is refused: writes are appended by a script that
checks the lease holder atomically, so a deposed leader (stale fencing token) adds nothing.

Gaps: events published while nobody is connected upstream are lost (Particle's SSE has no
ids, no replay). The bridge writes a gap marker (`BridgeGap`) into the stream each time:
- the leader's stream reconnected: the stream's own `Gap` (`StreamStatus.gap`), from the
  last byte of the old connection to the first of the new;
- a new leader took over: from the time up to which its predecessor had written everything
  it received (its `seen`, published with each write and renewal, on host wall clocks) to
  its own first connection. If that was lost with Redis's data, the start is the last
  time this candidate saw a predecessor hold the lease (at most one poll interval late).
A very first leader (no predecessor ever seen) writes no gap. Consumers add their own
"redis reset" gap when their group vanished (see `_consume.py`).

asyncio only (redis-py): on trio, `async with bridge` raises `UnsupportedBackendError`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from types import TracebackType
from typing import Any

import anyio
from anyio.abc import TaskGroup
from attrs import define

from .._errors import ParticleError
from ..models.events import Event
from ..streaming import EventStream, StreamState, StreamStatus
from ._compat import REDIS_FAILURES, require_asyncio
from ._consume import BridgeConsumer
from ._entries import BridgeGap, encode_event, encode_gap
from ._lease import Lease
from ._limiter import redis_backoff
from ._lua import STREAM_APPEND

__all__ = ["BridgeStatistics", "EventBridge", "StreamFactory"]

log = logging.getLogger("particle_async.distributed")

_Item = tuple[Event | BridgeGap, float]  # an event or gap marker, and when we received it (wall)

StreamFactory = Callable[[Callable[[StreamStatus], None]], EventStream]
"""Opens the upstream subscription, given the `on_status` callback the bridge needs."""


@define
class BridgeStatistics:
    is_leader: bool = False
    terms: int = 0
    token: int = 0
    events_written: int = 0
    gaps_written: int = 0
    fenced_writes: int = 0
    step_downs: int = 0
    redis_errors: int = 0
    upstream_error: str | None = None


def _iso(wall: float) -> str:
    return datetime.fromtimestamp(wall, timezone.utc).isoformat()


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class EventBridge:
    """Leader election, the leader's upstream-to-stream pump, and `consume()` for workers."""

    def __init__(
        self,
        redis: Any,
        *,
        name: str,
        stream_factory: StreamFactory,
        owner: str | None = None,
        lease_ttl: float = 10.0,
        renew_every: float | None = None,
        maxlen: int = 100_000,
        batch: int = 256,
        op_timeout: float = 2.0,
        on_role: Callable[[bool], None] | None = None,
        on_status: Callable[[StreamStatus], None] | None = None,
    ):
        self.redis = redis
        self.name = name
        self.owner = owner or default_owner()
        self.lease_ttl = lease_ttl
        self.renew_every = renew_every if renew_every is not None else lease_ttl / 3
        self.maxlen = maxlen
        self.batch = batch
        self.op_timeout = min(op_timeout, self.renew_every)
        self.stream_key = f"{{{name}}}:events"
        self.stats = BridgeStatistics()
        self._factory = stream_factory
        self._on_role = on_role
        self._on_status_cb = on_status
        self._lease = Lease(redis, name, self.owner, ttl=lease_ttl, op_timeout=self.op_timeout)
        self._append = redis.register_script(STREAM_APPEND)
        self._tg: TaskGroup | None = None
        self._election: anyio.CancelScope | None = None  # made in __aenter__ (needs a loop)
        self._stopped: anyio.Event | None = None
        self._stream: EventStream | None = None
        self._valid_until = 0.0  # monotonic: our lease surely lasts until then
        self._written_until = 0.0  # wall: everything received before this is in Redis
        self._failover_from: float | None = None
        self._gaps: deque[BridgeGap] = deque()
        self._term: TaskGroup | None = None
        self._send: Any = None
        self._writing = False
        self._pause_after = 0.0
        self._last_bytes = 0
        self._renew_now: anyio.Event | None = None

    def __repr__(self) -> str:
        role = "leader" if self.stats.is_leader else "follower"
        return f"<EventBridge {self.name!r} {self.owner} {role}>"

    @property
    def is_leader(self) -> bool:
        return self.stats.is_leader

    @property
    def stream(self) -> EventStream | None:
        """The upstream subscription while this process leads."""
        return self._stream

    async def leader(self) -> str | None:
        """The owner id of the current leader (of any process), or None."""
        require_asyncio("EventBridge")
        return await self._lease.current_holder()

    def consume(self, group: str, consumer: str, **options: Any) -> BridgeConsumer:
        """This worker's reader of the bridge's stream in consumer group `group`
        (options: `count`, `block`, `min_idle`, `claim_every`, `start`, `auto_ack`)."""
        return BridgeConsumer(self.redis, self.stream_key, group, consumer, **options)

    async def __aenter__(self) -> EventBridge:
        """Start taking part in the election (returns at once; leading happens behind)."""
        require_asyncio("EventBridge")
        self._election = anyio.CancelScope()
        self._stopped = anyio.Event()
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._elect)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
        tg, self._tg = self._tg, None
        if tg is not None:
            await tg.__aexit__(None, None, None)

    async def aclose(self) -> None:
        """Stop taking part (callable from any task): a leader closes its upstream and
        releases its lease, so a follower takes over at once. Returns once that is done."""
        if self._tg is None or self._election is None or self._stopped is None:
            return
        self._election.cancel()
        await self._stopped.wait()

    # -- election ----------------------------------------------------------------------
    async def _elect(self) -> None:
        assert self._election is not None
        assert self._stopped is not None
        try:
            with self._election:
                await self._elect_forever()
        finally:
            self._stopped.set()

    async def _elect_forever(self) -> None:
        failures = 0
        while True:
            started = time.monotonic()
            try:
                won = await self._lease.try_acquire()
            except REDIS_FAILURES as exc:
                failures += 1
                self._redis_trouble("election", exc, failures)
                await anyio.sleep(min(self.renew_every, redis_backoff(failures)))
                continue
            failures = 0
            if not won:
                await anyio.sleep(self.renew_every)
                continue
            self._valid_until = started + self.lease_ttl
            pause = await self._lead()
            await anyio.sleep(pause)

    async def _lead(self) -> float:
        """One term, until deposed or closed; returns how long to sit out before retrying."""
        stats = self.stats
        stats.is_leader, stats.token = True, self._lease.token
        stats.terms += 1
        seen = self._lease.seen
        previous = datetime.fromisoformat(seen).timestamp() if seen else None
        if self._written_until and (previous is None or self._written_until > previous):
            previous = self._written_until  # we led before (say, Redis lost its data)
        if previous is None and self._lease.holder_seen_at:
            previous = self._lease.holder_seen_at  # someone led, and its `seen` was lost
        self._failover_from = previous
        self._pause_after = 0.0
        log.info("bridge %s: %s leads (token %d)", self.name, self.owner, stats.token)
        self._role(True)
        try:
            async with anyio.create_task_group() as tg:
                self._term = tg
                tg.start_soon(self._renew)
                tg.start_soon(self._pump)
        finally:
            self._term = None
            with anyio.CancelScope(shield=True):
                await self._step_down()
        return self._pause_after

    def _end_term(self) -> None:
        if self._term is not None:
            self._term.cancel_scope.cancel()

    async def _step_down(self) -> None:
        self.stats.is_leader = False
        self.stats.step_downs += 1
        self._stream = None
        self._send = None
        self._gaps.clear()
        try:
            await self._lease.release(self._seen())
        except REDIS_FAILURES:
            self._lease.forget()  # it expires by itself
        self._role(False)

    def _role(self, leading: bool) -> None:
        if self._on_role is not None:
            self._on_role(leading)

    def _seen(self) -> str:
        return _iso(self._written_until) if self._written_until else ""

    async def _renew(self) -> None:
        while True:
            self._renew_now = anyio.Event()
            with anyio.move_on_after(self.renew_every):
                await self._renew_now.wait()  # or sooner: just connected, publish `seen`
            self._note_bytes()
            sent = time.monotonic()
            try:
                ok = await self._lease.renew(self._seen())
            except REDIS_FAILURES as exc:
                self._redis_trouble("renewal", exc, 1)
                ok = None
            if ok is False:
                log.warning("bridge %s: %s lost its lease", self.name, self.owner)
                self._end_term()
                return
            if ok:
                self._valid_until = sent + self.lease_ttl
            elif time.monotonic() + self.renew_every >= self._valid_until:
                self._lease.forget()  # could not renew in time: it will expire; let go now
                log.warning("bridge %s: %s cannot renew; steps down", self.name, self.owner)
                self._end_term()
                return

    def _idle(self) -> bool:
        """Nothing received is waiting to be written."""
        send = self._send
        queued = send.statistics().current_buffer_used if send is not None else 0
        return not self._writing and queued == 0

    def _note_bytes(self) -> None:
        """Keep-alives count as "seen": nothing was missed while bytes kept coming."""
        stream = self._stream
        if stream is None or stream.state is not StreamState.CONNECTED:
            return
        if stream.stats.bytes != self._last_bytes and self._idle():
            self._written_until = time.time()
        self._last_bytes = stream.stats.bytes

    # -- the leader's pump ---------------------------------------------------------
    async def _pump(self) -> None:
        send, receive = anyio.create_memory_object_stream[_Item](self.batch * 4)
        self._send = send
        try:
            async with anyio.create_task_group() as inner:
                inner.start_soon(self._write_loop, receive)
                async with send:
                    stream = self._stream = self._factory(self._on_status)
                    async with stream:
                        async for event in stream:
                            await send.send((event, time.time()))
        except ParticleError as exc:  # a bad token, say: leading again will not fix it soon
            self.stats.upstream_error = str(exc)
            self._pause_after = self.lease_ttl
            log.error("bridge %s: upstream failed: %s", self.name, exc)
        self._end_term()  # the upstream ended: this term is over

    def _on_status(self, status: StreamStatus) -> None:
        now = time.time()
        if status.state is StreamState.CONNECTED:
            if self._failover_from is not None:
                self._gap(BridgeGap.between(_dt(self._failover_from), _dt(now), "leader change"))
                self._failover_from = None
            elif status.gap is not None:  # the stream's own record: last byte to first byte
                gap = status.gap
                self._gap(BridgeGap(gap.started_at, gap.ended_at, gap.seconds, "reconnect"))
            self._last_bytes = self._stream.stats.bytes if self._stream else 0
            if self._idle():
                self._written_until = max(self._written_until, now)
            if self._renew_now is not None:
                self._renew_now.set()
        if self._on_status_cb is not None:
            self._on_status_cb(status)

    def _gap(self, gap: BridgeGap) -> None:
        """Queue a gap marker in order with the events (kept aside if the queue is full)."""
        try:
            self._send.send_nowait((gap, time.time()))
        except (anyio.WouldBlock, anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._gaps.append(gap)

    async def _write_loop(self, receive: Any) -> None:
        async with receive:
            while True:
                batch: list[_Item] = []
                if not self._gaps:
                    batch.append(await receive.receive())
                while len(batch) < self.batch:
                    try:
                        batch.append(receive.receive_nowait())
                    except anyio.WouldBlock:
                        break
                if not await self._write(batch):
                    self._end_term()
                    return

    async def _write(self, batch: list[_Item]) -> bool:
        """Append gaps and events in one fenced script call; False once deposed."""
        held = list(self._gaps)
        self._gaps.clear()
        triples = [encode_gap(gap) for gap in held]
        triples += [
            encode_gap(x) if isinstance(x, BridgeGap) else encode_event(x) for x, _ in batch
        ]
        gaps = len(held) + sum(isinstance(x, BridgeGap) for x, _ in batch)
        seen = _iso(max(self._written_until, batch[-1][1] if batch else 0.0))
        args: list[Any] = [self._lease.holder or "", self.maxlen, seen]
        for triple in triples:
            args.extend(triple)
        self._writing = True
        try:
            if not await self._append_until_valid(args):
                return False
        finally:
            self._writing = False
        self.stats.gaps_written += gaps
        self.stats.events_written += len(triples) - gaps
        if batch:
            self._written_until = max(self._written_until, batch[-1][1])
        return True

    async def _append_until_valid(self, args: list[Any]) -> bool:
        failures = 0
        while True:
            try:
                with anyio.fail_after(self.op_timeout):
                    keys = [self._lease.key, self.stream_key, self._lease.seen_key]
                    ids = await self._append(keys=keys, args=args)
            except REDIS_FAILURES as exc:
                failures += 1
                self._redis_trouble("append", exc, failures)
                if time.monotonic() >= self._valid_until:
                    return False
                await anyio.sleep(redis_backoff(failures, cap=self.renew_every))
                continue
            if ids is None:  # our fencing token is stale: another leader took over
                self.stats.fenced_writes += 1
                self._lease.forget()
                log.warning("bridge %s: %s was deposed; stops writing", self.name, self.owner)
                return False
            return True

    def _redis_trouble(self, what: str, exc: BaseException, failures: int) -> None:
        self.stats.redis_errors += 1
        if failures == 1:
            log.warning("bridge %s: %s failed: %s", self.name, what, type(exc).__name__)


def _dt(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, timezone.utc)
