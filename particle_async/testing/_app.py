"""The starlette application: the gate every request passes (request log, latency,
injected failures, the per-address rate limit), authentication, request parsing, and the
JSON error shapes the real cloud uses.

Route modules raise `ApiError` instead of returning error responses, so a handler reads
top to bottom as the happy path and every error body is built in one place.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ._sse import Ending, StreamRegistry
from ._state import CloudState, FakeUser
from .routes import collect_routes

# -- error shapes ------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer; raised by routes, rendered by the app's exception handler."""

    def __init__(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ):
        super().__init__(status, body)
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def fail(status: int, error: str) -> ApiError:
    """The `{ok: false, error}` shape of device, event and product calls."""
    return ApiError(status, {"ok": False, "error": error})


def oauth_fail(status: int, error: str, description: str) -> ApiError:
    """The `{error, error_description}` shape of authentication failures."""
    return ApiError(status, {"error": error, "error_description": description})


def token_missing() -> ApiError:
    return oauth_fail(400, "invalid_request", "The access token was not found")


def token_invalid() -> ApiError:
    return oauth_fail(401, "invalid_token", "The access token provided is invalid.")


def permission_denied() -> ApiError:
    return fail(403, "Permission Denied")


def device_not_found() -> ApiError:
    return fail(404, "Device not found.")


def too_many_requests() -> ApiError:
    return ApiError(429, {"ok": False, "error": "Too many requests"}, {"Retry-After": "1"})


def json_response(payload: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status)


def as_bool(value: Any) -> bool:
    """Form bodies say "true"/"1", JSON bodies say true/1: the API takes either."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def as_int(value: Any, name: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise fail(400, f"{name} must be an integer") from None
    if number < minimum:
        raise fail(400, f"{name} must be at least {minimum}")
    return number


# -- per-request context -----------------------------------------------------------------


@dataclass(frozen=True)
class Services:
    """What routes need besides the request; stored on the starlette app's state."""

    state: CloudState
    streams: StreamRegistry
    keepalive: float


@dataclass(frozen=True)
class Ctx:
    """An authenticated request: who is calling and with which parameters (the body for
    writes, the query string for reads)."""

    request: Request
    services: Services
    user: FakeUser
    token: str
    params: Mapping[str, Any]

    @property
    def state(self) -> CloudState:
        return self.services.state

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def param(self, *names: str, default: Any = None) -> Any:
        """The first of `names` present (the API has aliases: arg/args, perPage/per_page)."""
        return next((self.params[n] for n in names if n in self.params), default)

    def query(self, *names: str, default: str | None = None) -> str | None:
        return next(
            (self.request.query_params[n] for n in names if n in self.request.query_params), default
        )


Handler = Callable[[Ctx], Awaitable[Response]]


def services_of(request: Request) -> Services:
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


async def read_params(request: Request) -> tuple[dict[str, Any], bool]:
    """Parameters and whether they came form-encoded (only then may they carry the token).
    The API takes JSON or form bodies alike; reads take the query string."""
    if request.method in ("GET", "HEAD"):
        return dict(request.query_params), False
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)), True
    if kind != "application/json" or not raw.strip():
        return {}, False
    try:
        data = json.loads(raw)
    except ValueError:
        raise fail(400, "Unable to parse JSON body") from None
    if not isinstance(data, dict):
        raise fail(400, "Unable to parse JSON body")
    return data, False


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


async def authenticate(request: Request) -> Ctx:
    """Token from the Authorization header, else the query string, else a form body."""
    services = services_of(request)
    params, is_form = await read_params(request)
    token = (
        bearer_token(request)
        or request.query_params.get("access_token")
        or (params.get("access_token") if is_form else None)
    )
    if not token:
        raise token_missing()
    user = services.state.token_owner(token)
    if user is None:
        raise token_invalid()
    return Ctx(request, services, user, token, params)


def api(path: str, handler: Handler, method: str = "GET") -> Route:
    """A route whose handler gets an authenticated `Ctx`."""

    async def endpoint(request: Request) -> Response:
        return await handler(await authenticate(request))

    endpoint.__name__ = handler.__name__
    return Route(path, endpoint, methods=[method])


# -- faults and rate limiting ------------------------------------------------------------


@dataclass
class _Failure:
    remaining: int
    status: int
    body: bytes
    headers: dict[str, str]
    media_type: str


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
    ) -> None:
        """Answer the next `n` requests (streams included) with `status`. The default body
        is the cloud's `{ok: false, error: <reason>}`; bytes or text starting with `<` go
        out as text/html, like a proxy's error page. Calls queue up in order."""
        if n < 1:
            raise ValueError("fail_next needs n >= 1")
        payload, media_type = _render_body(status, body)
        extra = dict(headers or {})
        if status == 429 and headers is None:
            extra["Retry-After"] = "1"
        with self._lock:
            self._failures.append(_Failure(n, status, payload, extra, content_type or media_type))

    def take(self) -> Response | None:
        """The canned answer for this request, if one is pending."""
        with self._lock:
            if not self._failures:
                return None
            failure = self._failures[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.popleft()
        return Response(failure.body, failure.status, failure.headers, failure.media_type)

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
        self.state.record_request(scope["method"], scope["path"])
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        response = self.faults.take() or self._limited(scope)
        if response is not None:
            await response(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _limited(self, scope: Scope) -> Response | None:
        client = scope.get("client")
        host = client[0] if client else "unknown"
        return None if self.limiter.allow(host) else too_many_requests().response()


# -- assembly ----------------------------------------------------------------------------


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = fail(exc.status_code, HTTPStatus(exc.status_code).phrase)
    error.headers.update(exc.headers or {})
    return error.response()


async def _server_error(request: Request, exc: Exception) -> Response:
    return fail(500, "Internal Server Error").response()


def build_app(services: Services, faults: Faults, limiter: SlidingWindowLimiter) -> ASGIApp:
    """The ASGI app uvicorn serves: the gate in front of a starlette app of all routes."""
    app = Starlette(
        routes=collect_routes(),
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.router.redirect_slashes = False
    app.state.services = services
    return Gate(app, services.state, faults, limiter)
