"""`EventStream`: one reconnecting SSE subscription, consumed as an async iterator.

It is a class with `__anext__`, not an async generator, so no cancel scope is ever held
across a `yield` (PEP 789) and no background task exists: the consumer's own task reads
the socket. Each `__anext__` returns a buffered event at once or reads until one
arrives, reconnecting as needed:

- EOF, a network error, no response head within `connect_timeout`, or `idle_timeout`
  seconds without progress (a complete line: an event or a keep-alive comment; bytes
  that never finish a line are not progress) drop the connection and reconnect after a
  jittered backoff;
- 429, 5xx and a 200 that is not `text/event-stream` (a captive portal) back off; a
  429 honours Retry-After and pauses the shared limiter;
- 401/403/404 and other 4xx, and a redirect, end the stream with a typed error, no loop;
- each reconnect after a connection that worked reports the `Gap` in which events
  were lost (`on_status`, `stats.gaps`);
- `aclose()` from any task, or closing the `Particle` client, ends it promptly and
  returns once the socket is released.

It reconnects only while something reads it: a stream nobody iterates holds no task.
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import TypeVar

import anyio
import httpx

from .._body import Body
from .._errors import (
    APIError,
    ClientClosedError,
    NetworkError,
    ParticleError,
    RateLimitedError,
    StreamError,
)
from .._transport import Transport
from ..models.events import Event
from ._backoff import Backoff
from ._convert import to_event
from ._decoder import RawEvent, SSEDecoder
from ._gate import OpenGate
from ._idle import IdleWatch
from ._status import Gap, StreamOptions, StreamState, StreamStats, StreamStatus

__all__ = ["EventStream", "MalformedEventError"]

T = TypeVar("T")
StatusCallback = Callable[[StreamStatus], None]
_TRANSIENT_STATUSES = frozenset({408, 429})


class MalformedEventError(StreamError):
    """An event's data was not Particle's JSON envelope and the policy is "raise"."""

    def __init__(self, event: Event):
        super().__init__(f"malformed event {event.name!r}: {event.data!r:.80}")
        self.event = event


def _fatal(exc: ParticleError) -> ParticleError | None:
    """The error that ends the stream, or None when reconnecting may fix `exc`.

    A closed client, 4xx other than 408/429 (a bad token, say) and redirects cannot be
    fixed by trying again; we never follow a redirect with the token to another host.
    """
    if isinstance(exc, ClientClosedError):
        return exc
    if not isinstance(exc, APIError):
        return None
    if 300 <= exc.status < 400:
        location = exc.headers.get("location", "nowhere")
        error = StreamError(
            f"the stream was redirected ({exc.status} to {location}); check base_url",
            method=exc.method,
            url=exc.url,
        )
        error.__cause__ = exc
        return error
    if 400 <= exc.status < 500 and exc.status not in _TRANSIENT_STATUSES:
        return exc
    return None


def _once_or_at_collection(
    stream: object, callback: Callable[[], None] | None
) -> Callable[[], None]:
    """`callback`, to be called once: when the stream ends, or when it is garbage-collected
    without having ended (a stream dropped unclosed still gives its place back)."""
    if callback is None:
        return _nothing
    done = weakref.finalize(stream, callback)
    done.atexit = False  # at interpreter exit there is nothing left to give back to
    return done


def _nothing() -> None:
    pass


class EventStream:
    """An async iterator of `Event`s over one reconnecting event stream."""

    def __init__(
        self,
        *,
        transport: Transport,
        http: Callable[[], httpx.AsyncClient],
        path: str,
        prefix: str = "",
        options: StreamOptions | None = None,
        on_status: StatusCallback | None = None,
        gate: OpenGate | None = None,
        on_done: Callable[[], None] | None = None,
    ):
        self.path = path
        self.prefix = prefix
        self.options = options or StreamOptions()
        self._stats = StreamStats()
        self.state = StreamState.IDLE
        self._transport = transport
        self._http = http
        self._on_status = on_status
        self._gate = gate or OpenGate()  # shared by a client's streams (`Events`)
        # Called once, when the stream ends for good or is collected unclosed (its place
        # in the client's connection pools: `PoolPlaces`).
        self._done = _once_or_at_collection(self, on_done)
        self._decoder = SSEDecoder(
            max_line_bytes=self.options.max_line_bytes,
            max_event_bytes=self.options.max_event_bytes,
        )
        self._backoff = Backoff(self.options.backoff)
        self._pending: deque[RawEvent] = deque()  # decoded frames, typed one by one on demand
        self._response: httpx.Response | None = None
        self._chunks: Body | None = None
        self._connected_at = 0.0
        self._reconnecting = False
        self._retry_after = 0.0
        self._last_error: ParticleError | None = None
        self._closed = False
        self._failure: BaseException | None = None
        self._scope: anyio.CancelScope | None = None
        self._reader_done: anyio.Event | None = None
        self._progress_at = 0.0  # anyio time of the last complete line (or of connecting)
        self._last_byte_at = 0.0  # anyio time of the last chunk received
        self._lost_at: float | None = None  # last byte of a connection that ended
        transport.state.streams.add(self)  # closing the client ends the stream

    def __repr__(self) -> str:
        return f"<EventStream {self.path} {self.state.value} events={self._stats.events}>"

    @property
    def stats(self) -> StreamStats:
        """Counters since the stream was created; the decoder's are read through."""
        stats = self._stats
        stats.comments = self._decoder.stats.comments
        stats.oversized = self._decoder.stats.oversized
        return stats

    def statistics(self) -> StreamStats:
        """`stats`, under the name the `EventSource` protocol uses."""
        return self.stats

    # -- public face ---------------------------------------------------------------
    def __aiter__(self) -> EventStream:
        return self

    async def __aenter__(self) -> EventStream:
        """Connect now, so a bad token or unknown device raises here, not at the first read."""
        await self._guarded(self._ensure_connected)
        if self._closed:
            self._transport.check_open()  # closed with its client: ClientClosedError
            raise StreamError("stream closed while connecting")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def __anext__(self) -> Event:
        pending = self._pending
        if pending:  # the hot path, inlined: a frame already read, typed now
            first = to_event(*pending.popleft())
            if not first.malformed or self._accept_malformed(first):
                self._stats.events += 1
                return first
        event = self._take_pending() if pending else None
        if event is None:
            event = await self._guarded(self._next_event)
        if event is None:
            raise StopAsyncIteration
        return event

    async def aclose(self) -> None:
        """End the stream and release its connection; waits for a reading task to let go."""
        if self._closed and self._response is None and self._reader_done is None:
            return
        self._closed = True
        self._done()
        self._pending.clear()
        if self._scope is not None and self._reader_done is not None:
            self._scope.cancel()
            await self._reader_done.wait()
        else:
            with anyio.CancelScope(shield=True):  # a closer being cancelled still closes
                await self._drop_connection()
        if self.state is not StreamState.FAILED:
            self._set_state(StreamState.CLOSED)

    @property
    def closed(self) -> bool:
        """Whether `aclose()` was called (or the context exited)."""
        return self._closed

    # -- the loop --------------------------------------------------------------------
    async def _guarded(self, step: Callable[[], Awaitable[T]]) -> T | None:
        """Run `step` so that `aclose()` from another task can interrupt it cleanly."""
        if self._failure is not None:
            raise self._failure
        if self._closed:
            return None
        if self._reader_done is not None:
            raise RuntimeError("this EventStream is already being read by another task")
        self._reader_done = anyio.Event()
        result: T | None = None
        try:
            with anyio.CancelScope() as self._scope:
                result = await step()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._drop_connection()
            raise
        finally:
            self._scope = None
            done, self._reader_done = self._reader_done, None
            done.set()
        if self._closed:
            with anyio.CancelScope(shield=True):
                await self._drop_connection()
            return None
        return result

    async def _next_event(self) -> Event:
        self._progress_at = anyio.current_time()  # idle time counts only while we read
        while True:
            event = self._take_pending() if self._pending else None
            if event is not None:
                return event
            await self._ensure_connected()
            await self._read()

    async def _ensure_connected(self) -> None:
        while self._response is None:
            if self._reconnecting:
                await self._wait_before_retry()
            self._set_state(
                StreamState.RECONNECTING if self._reconnecting else StreamState.CONNECTING
            )
            try:
                await self._open()
            except ParticleError as exc:
                fatal = _fatal(exc)
                if fatal is exc:
                    self._fail(exc)
                    raise
                if fatal is not None:
                    self._fail(fatal)
                    raise fatal from exc
                self._reconnecting = True
                self._last_error = exc
                self._retry_after = (
                    exc.retry_after or 0.0 if isinstance(exc, RateLimitedError) else 0.0
                )

    async def _wait_before_retry(self) -> None:
        if self._backoff.exhausted:
            error = StreamError(
                f"gave up after {self._backoff.attempt} failed reconnects: {self._last_error}"
            )
            self._fail(error)
            raise error
        delay = max(self._backoff.next_delay(), self._retry_after)
        self._retry_after = 0.0
        self._set_state(
            StreamState.RECONNECTING,
            delay=delay,
            error=self._last_error,
        )
        await self._transport.clock.sleep(delay)

    async def _open(self) -> None:
        transport = self._transport
        request = transport.build_request(
            "GET",
            self.path,
            headers={"Accept": "text/event-stream", "Cache-Control": "no-cache"},
            timeout=httpx.Timeout(None, connect=self.options.connect_timeout),
        )
        async with self._gate.slot():  # the connect timeout starts once we are in
            response = await transport.open(
                request,
                http=self._http(),
                head_timeout=self.options.connect_timeout,
                content_type="text/event-stream",
            )
        self._accept(response)

    def _accept(self, response: httpx.Response) -> None:
        self._response = response
        self._chunks = Body(response)
        self._connected_at = self._transport.clock.now()
        self._progress_at = self._last_byte_at = anyio.current_time()
        stats = self._stats
        stats.connects += 1
        if self._reconnecting:
            stats.reconnects += 1
        self._reconnecting = False
        self._set_state(StreamState.CONNECTED, gap=self._close_gap())

    def _close_gap(self) -> Gap | None:
        """The outage that this connection ends, if an earlier connection had worked."""
        lost_at, self._lost_at = self._lost_at, None
        if lost_at is None:
            return None
        seconds = max(0.0, self._last_byte_at - lost_at)
        ended = datetime.fromtimestamp(time.time(), timezone.utc)
        gap = Gap(started_at=ended - timedelta(seconds=seconds), ended_at=ended, seconds=seconds)
        stats = self._stats
        stats.gaps += 1
        stats.gap_seconds += seconds
        stats.last_gap = gap
        return gap

    async def _read(self) -> None:
        """Read until an event is pending, or drop the connection and say why.

        Dead-stream detection is about progress: `idle_timeout` after the last complete
        line (not the last byte: a server trickling a byte a second without ever ending
        a line is dead). One `IdleWatch` per read loop, not a timer per chunk, so an
        idle stream's keep-alives cost one timestamp each.
        """
        chunks = self._chunks
        assert chunks is not None
        reason = "server closed the stream"
        with anyio.CancelScope() as scope:
            watch = IdleWatch(scope, self._progress_deadline)
            try:
                while not self._pending:
                    chunk = await chunks.__anext__()
                    self._feed(chunk, watch.now())
                    watch.progressed()
                return
            except StopAsyncIteration:
                pass
            except (httpx.HTTPError, httpx.StreamError) as exc:
                reason = f"network error: {type(exc).__name__}"
            finally:
                watch.stop()
        if scope.cancelled_caught:
            self._stats.idle_timeouts += 1
            reason = f"no progress for {self.options.idle_timeout:g}s (idle timeout)"
        await self._connection_lost(reason)

    def _progress_deadline(self) -> float:
        return self._progress_at + self.options.idle_timeout

    async def _connection_lost(self, reason: str) -> None:
        self._lost_at = self._last_byte_at
        self._backoff.connection_ended(self._transport.clock.now() - self._connected_at)
        await self._drop_connection()
        self._reconnecting = True
        self._last_error = NetworkError(
            reason, method="GET", url=self._transport.base_url + self.path
        )

    async def _drop_connection(self) -> None:
        """Close the response and forget any half-received event."""
        response, self._response = self._response, None
        chunks, self._chunks = self._chunks, None
        if self._decoder.has_partial:
            self._stats.partial_discarded += 1
        self._decoder.reset()
        if chunks is not None:
            await chunks.aclose()  # the response too, and httpx's generators to their end
        elif response is not None:
            await response.aclose()

    def _feed(self, chunk: bytes, now: float) -> None:
        """Decode a chunk; keep the frames our prefix matches, still untyped.

        Typing happens in `_take_pending`, one event per `__anext__`: a 64 KB read holds
        hundreds of frames, and building them all at once only feeds the garbage collector.
        """
        self._stats.bytes += len(chunk)
        decoder = self._decoder
        lines = decoder.stats.lines
        frames = decoder.feed(chunk)
        self._last_byte_at = now
        if decoder.stats.lines != lines:
            self._progress_at = now
        prefix = self.prefix
        if not prefix:
            self._pending.extend(frames)
            return
        for frame in frames:
            if frame[0].startswith(prefix):
                self._pending.append(frame)
            else:
                self._stats.filtered += 1  # the server filters too; this is the belt to its braces

    def _take_pending(self) -> Event | None:
        """The next buffered event as an `Event`, applying the malformed-data policy."""
        pending = self._pending
        while pending:
            event = to_event(*pending.popleft())
            if event.malformed and not self._accept_malformed(event):
                continue
            self._stats.events += 1
            return event
        return None

    def _accept_malformed(self, event: Event) -> bool:
        self._stats.malformed += 1
        policy = self.options.malformed
        if policy == "raise":
            raise MalformedEventError(event)
        if policy == "skip":
            self._stats.skipped += 1
            return False
        return True

    def _fail(self, error: BaseException) -> None:
        self._failure = error
        self._closed = True
        self._done()
        self._set_state(StreamState.FAILED, error=error)

    def _set_state(
        self,
        state: StreamState,
        *,
        delay: float | None = None,
        error: BaseException | None = None,
        gap: Gap | None = None,
    ) -> None:
        self.state = state
        if self._on_status is not None:
            status = StreamStatus(
                state, attempt=self._backoff.attempt, delay=delay, error=error, gap=gap
            )
            self._on_status(status)
