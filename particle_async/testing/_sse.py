"""Server-Sent Events: the registry of open streams, the byte framing, keep-alives, and
the stream faults (drop, stall, raw bytes).

Publishing happens on any thread and must never wait for a reader, so each stream owns a
bounded queue guarded by the registry lock: `dispatch` appends (or drops and counts when
the queue is full) and schedules a wake-up on the server loop; the stream's pump, on that
loop, drains the queue into the HTTP response. Ending a stream (drop, stop, client gone)
is a flag set under the same lock, so `open_streams` is exact the moment a fault returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ._state import FakeEvent, iso_ms

PREAMBLE = b":ok\n\n"
KEEPALIVE = b":\n\n"
MAX_WRITE = 65_536  # per send: small enough for the server's flow control to push back
HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]


def encode_event(event: FakeEvent, ttl_as_string: bool = False) -> bytes:
    """One SSE frame, byte for byte what api.particle.io sends: compact JSON, keys in the
    cloud's order, `productID`/`version` only for product devices' events. Non-ASCII is
    left raw (as Node's JSON.stringify does), U+2028 included. `ttl` is a number, as
    today; the 2014 era sent it as a string."""
    payload: dict[str, object] = {
        "data": event.data,
        "ttl": str(event.ttl) if ttl_as_string else event.ttl,
        "published_at": iso_ms(event.published_at),
        "coreid": event.coreid,
    }
    if event.product_id is not None and event.version is not None:
        payload["productID"] = event.product_id
        payload["version"] = event.version
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event.name}\ndata: {body}\n\n".encode()


@dataclass(frozen=True)
class StreamFilter:
    """What one stream receives: names starting with `prefix`, within its scope."""

    prefix: str
    in_scope: Callable[[FakeEvent], bool]

    def matches(self, event: FakeEvent) -> bool:
        return event.name.startswith(self.prefix) and self.in_scope(event)


class Ending(enum.Enum):
    CLOSED = "closed"  # the cloud is stopping: finish the response cleanly
    DROPPED = "dropped"  # fault: cut the connection mid-body
    GONE = "gone"  # the client disconnected


class Stream:
    """One open SSE connection. Its fields are guarded by the registry's lock."""

    def __init__(self, registry: StreamRegistry, flt: StreamFilter) -> None:
        self.registry = registry
        self.filter = flt
        self.dropped = 0  # events lost because this reader was too slow
        self.pending: deque[bytes] = deque()
        self.ending: Ending | None = None
        self.wake_scheduled = False
        self.wakeup = asyncio.Event()  # created on the server loop, which owns the pump
        self.task: asyncio.Task[Any] | None = None  # the response's task, while it runs

    async def pump(self, send: Send, keepalive: float) -> Ending:
        """Move queued bytes to the client until the stream ends; a keep-alive comment
        goes out after `keepalive` seconds of silence, except while stalled."""
        loop = asyncio.get_running_loop()
        last_write = loop.time()
        while True:
            self.wakeup.clear()  # before take(): a wake-up after it is never lost
            ending, chunk, stalled = self.registry.take(self)
            if ending is not None:
                return ending
            if stalled:
                await self.wakeup.wait()
            elif chunk or loop.time() - last_write >= keepalive:
                await send(
                    {"type": "http.response.body", "body": chunk or KEEPALIVE, "more_body": True}
                )
                last_write = loop.time()
            else:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), last_write + keepalive - loop.time())


class StreamRegistry:
    """Every open stream, thread-safe. `loop` is the server loop, set when it starts."""

    def __init__(self, queue_size: int = 1024, *, ttl_as_string: bool = False) -> None:
        self.queue_size = queue_size
        self.ttl_as_string = ttl_as_string
        self.loop: asyncio.AbstractEventLoop | None = None
        self.dropped_events = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._streams: set[Stream] = set()  # open: receiving events
        self._live: set[Stream] = set()  # responses still running (open or winding down)
        self._stalled = False
        self._closed = False

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._streams)

    def open(self, flt: StreamFilter) -> Stream:
        """Register a stream (on the server loop); once closed for good, it is born ended."""
        stream = Stream(self, flt)
        with self._changed:
            if self._closed:
                stream.ending = Ending.CLOSED
            else:
                self._streams.add(stream)
                self._changed.notify_all()
            self._live.add(stream)
        return stream

    def finished(self, stream: Stream) -> None:
        """The stream's response returned: forget it entirely."""
        with self._changed:
            self._live.discard(stream)
            if stream in self._streams:
                self._streams.remove(stream)
                self._changed.notify_all()

    def live_tasks(self) -> list[asyncio.Task[Any]]:
        with self._lock:
            return [s.task for s in self._live if s.task is not None]

    def end(self, stream: Stream, ending: Ending) -> None:
        with self._changed:
            self._end(stream, ending)
            self._changed.notify_all()

    def end_all(self, ending: Ending, *, close: bool = False) -> None:
        """Drop (fault) or close (shutdown) every stream; `close` also refuses new ones."""
        with self._changed:
            self._closed = self._closed or close
            for stream in list(self._streams):
                self._end(stream, ending)
            self._changed.notify_all()

    def dispatch(self, event: FakeEvent) -> None:
        """Queue `event` for every matching stream, from any thread, never blocking."""
        frame: bytes | None = None
        with self._lock:
            for stream in self._streams:
                if not stream.filter.matches(event):
                    continue
                if len(stream.pending) >= self.queue_size:
                    stream.dropped += 1
                    self.dropped_events += 1
                    continue
                frame = frame or encode_event(event, self.ttl_as_string)
                stream.pending.append(frame)
                self._wake(stream)

    def send_raw(self, data: bytes) -> None:
        with self._lock:
            for stream in self._streams:
                stream.pending.append(data)
                self._wake(stream)

    def stall(self, stalled: bool) -> None:
        with self._lock:
            self._stalled = stalled
            for stream in self._streams:
                self._wake(stream)

    def take(self, stream: Stream) -> tuple[Ending | None, bytes, bool]:
        """What the pump should do now: end, write these bytes, or wait (stalled or idle)."""
        with self._lock:
            stream.wake_scheduled = False
            if stream.ending is not None or self._stalled:
                return stream.ending, b"", self._stalled
            parts: list[bytes] = []
            size = 0
            while stream.pending and size < MAX_WRITE:
                parts.append(stream.pending.popleft())
                size += len(parts[-1])
            return None, b"".join(parts), False

    def wait_for(
        self, n: int, timeout: float | None, interrupt: threading.Event | None = None
    ) -> bool:
        """Block until exactly `n` streams are open; False on timeout or interruption."""
        with self._changed:
            self._changed.wait_for(
                lambda: len(self._streams) == n or (interrupt is not None and interrupt.is_set()),
                timeout,
            )
            return len(self._streams) == n

    def interrupt(self, flag: threading.Event) -> None:
        """Wake a `wait_for` given `flag`, which then gives up."""
        with self._changed:
            flag.set()
            self._changed.notify_all()

    def _end(self, stream: Stream, ending: Ending) -> None:  # lock held
        if stream.ending is None:
            stream.ending = ending
            stream.pending.clear()
        self._streams.discard(stream)
        self._wake(stream)

    def _wake(self, stream: Stream) -> None:  # lock held
        if stream.wake_scheduled or self.loop is None:
            return
        stream.wake_scheduled = True
        with contextlib.suppress(RuntimeError):  # loop already closed: nobody to wake
            self.loop.call_soon_threadsafe(stream.wakeup.set)


class EventStreamResponse(Response):
    """The `text/event-stream` response of one subscription: `:ok`, then frames and
    keep-alives until the stream ends. A dropped stream returns without finishing the
    body, which makes the server close the socket mid-chunk, as a broken network does."""

    def __init__(self, stream: Stream, keepalive: float) -> None:
        super().__init__(status_code=200, media_type="text/event-stream")
        self.stream = stream
        self.keepalive = keepalive

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.stream.task = asyncio.current_task()
        watcher = asyncio.ensure_future(self._watch_disconnect(receive))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            await send({"type": "http.response.body", "body": PREAMBLE, "more_body": True})
            ending = await self.stream.pump(send, self.keepalive)
        finally:
            watcher.cancel()
            self.stream.registry.finished(self.stream)
        if ending is Ending.CLOSED:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        elif ending is Ending.DROPPED:
            _ABORTING.set(True)

    async def _watch_disconnect(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.stream.registry.end(self.stream, Ending.GONE)


# uvicorn logs an error when an app returns without finishing its response, which is
# exactly how a drop fault cuts a stream. That one message is expected there and only
# there, so a filter on uvicorn's logger hides it when the returning task marked it.
_ABORTING: contextvars.ContextVar[bool] = contextvars.ContextVar("_ABORTING", default=False)
_UNFINISHED = "ASGI callable returned without completing response"


class _ExpectedAbortFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (_ABORTING.get() and str(record.msg).startswith(_UNFINISHED))


def install_log_filter() -> None:
    """Idempotent: one filter on uvicorn's error logger for the whole process."""
    target = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _ExpectedAbortFilter) for f in target.filters):
        target.addFilter(_ExpectedAbortFilter())
