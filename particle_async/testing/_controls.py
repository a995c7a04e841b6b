"""The test controls, which the real cloud does not have: canned failures and latency
(`Faults`), the per-address rate limit (`SlidingWindowLimiter`), and the `Gate` that
applies them in front of the routes.

Everything here is callable from any thread: tests drive the fake from theirs while the
server answers on its own.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ._sse import Ending, StreamRegistry
from ._state import CloudState
from ._wire import too_many_requests

# -- faults ------------------------------------------------------------------------------


@dataclass
class _Failure:
    remaining: int
    status: int
    body: bytes
    headers: dict[str, str]
    media_type: str
    method: str | None  # upper case; None matches any
    path: str | None  # a glob; None matches any

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method.upper() != self.method:
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)


class Faults:
    """Fault injection, callable from any thread: canned failures for the next requests,
    added latency, and stream faults (drop, stall, raw bytes)."""

    def __init__(self, streams: StreamRegistry) -> None:
        self.latency = 0.0  # seconds added before every response
        self._streams = streams
        self._lock = threading.Lock()
        self._failures: deque[_Failure] = deque()

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        body: bytes | str | Mapping[str, Any] | list[Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next `n` requests (streams included) with `status`. The default body
        is the cloud's `{ok: false, error: <reason>}`; bytes or text starting with `<` go
        out as text/html, like a proxy's error page. Calls queue up in order.

        `method` and `path` narrow which requests count: `path` is a glob on the request
        path (`*` matches slashes too), so `fail_next(2, 503, method="GET",
        path="/v1/devices/events*")` fails only the next two stream connects and lets
        every other request through.
        """
        if n < 1:
            raise ValueError("fail_next needs n >= 1")
        payload, media_type = _render_body(status, body)
        extra = dict(headers or {})
        if status == 429 and headers is None:
            extra["Retry-After"] = "1"
        failure = _Failure(
            n,
            status,
            payload,
            extra,
            content_type or media_type,
            method.upper() if method else None,
            path,
        )
        with self._lock:
            self._failures.append(failure)

    def take(self, method: str = "GET", path: str = "/") -> Response | None:
        """The canned answer for this request: the oldest pending failure it matches."""
        with self._lock:
            failure = next((f for f in self._failures if f.matches(method, path)), None)
            if failure is None:
                return None
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
        return Response(failure.body, failure.status, failure.headers, failure.media_type)

    @property
    def pending(self) -> int:
        """How many canned failures are still to be served."""
        with self._lock:
            return sum(f.remaining for f in self._failures)

    def drop_streams(self) -> None:
        """Cut every open stream mid-body, as a network failure would."""
        self._streams.end_all(Ending.DROPPED)

    def stall_streams(self, stalled: bool = True) -> None:
        """Stalled streams send nothing, keep-alives included, until un-stalled."""
        self._streams.stall(stalled)

    def send_raw(self, data: bytes | str) -> None:
        """Write bytes verbatim into every open stream (malformed frames, garbage)."""
        self._streams.send_raw(data.encode() if isinstance(data, str) else data)

    def reset(self) -> None:
        """Clear every injected failure, the latency and any stall of the streams."""
        with self._lock:
            self._failures.clear()
        self.latency = 0.0
        self._streams.stall(False)


def _render_body(
    status: int, body: bytes | str | Mapping[str, Any] | list[Any] | None
) -> tuple[bytes, str]:
    if body is None:
        body = {"ok": False, "error": _reason(status)}
    if isinstance(body, (Mapping, list)):
        return json.dumps(body, separators=(",", ":")).encode(), "application/json"
    raw = body.encode() if isinstance(body, str) else body
    return raw, "text/html" if raw.lstrip().startswith(b"<") else "text/plain"


def _reason(status: int) -> str:
    if status == 429:
        return "Too many requests"  # the cloud's own wording, as the rate limiter sends it
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# -- rate limit --------------------------------------------------------------------------


class SlidingWindowLimiter:
    """At most `limit` requests per client address in any `window` seconds. Rejected
    requests do not count, so a client that waits out the window always recovers.
    `clock` is injectable so tests can move time instead of sleeping."""

    def __init__(
        self, limit: int | None, clock: Callable[[], float] = time.monotonic, window: float = 1.0
    ):
        self.limit = limit
        self.clock = clock
        self.window = window
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        limit = self.limit
        if limit is None:
            return True
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True


# -- the gate ----------------------------------------------------------------------------


class Gate:
    """ASGI middleware in front of the routes: every request is logged, delayed by the
    configured latency, then answered by a pending fault, the rate limiter, or the app."""

    def __init__(
        self, app: ASGIApp, state: CloudState, faults: Faults, limiter: SlidingWindowLimiter
    ):
        self.app = app
        self.state = state
        self.faults = faults
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if len(path) > 1 and path.endswith("/"):  # `/v1/devices/` is `/v1/devices`
            scope = {**scope, "path": path.rstrip("/") or "/"}
        method, path = scope["method"], scope["path"]
        self.state.record_request(method, path)
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        response = self.faults.take(method, path) or self._limited(scope)
        if response is not None:
            await response(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _limited(self, scope: Scope) -> Response | None:
        client = scope.get("client")
        host = client[0] if client else "unknown"
        return None if self.limiter.allow(host) else too_many_requests().response()
