"""Sending one request: auth header, rate limit, retry, deadline, body cap, error mapping.

Request plumbing lives here once; a resource method only names the method, path,
parameters and model, and an event stream opens its response through the same `open`.
So each rule has one home:

- `open`: the limiter, the send, the wait for the response head, httpx's errors as ours,
  the status check (a 429 pauses the limiter, awaited), the content-type check;
- `read_body`: the body, decoded and capped at `max_body_bytes` while it arrives;
- `request`: retries (first attempt direct, tenacity only after a retryable failure),
  all inside one deadline that bounds the whole call, reads included.

Every exit path closes the response (errors and cancellation included), and no exception
from httpx escapes unwrapped: each is chained (`from exc`) to the `ParticleError` raised.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import logging
import platform
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Literal

import anyio
import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)

from ._body import Body
from ._clock import Clock, SystemClock
from ._errors import (
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    NetworkError,
    NetworkTimeoutError,
    ParticleError,
    RateLimitedError,
    ResponseDecodeError,
    StreamError,
    error_from_response,
)
from ._json import loads
from ._options import NOT_GIVEN, NotGiven
from ._ratelimit import Limiter
from ._redact import Secret, redact_text, redact_url
from ._retry import RetryPolicy, backoff_delay, is_retryable, parse_retry_after
from ._version import __version__

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "USER_AGENT",
    "ClientState",
    "TimeoutTypes",
    "Transport",
    "current_endpoint",
    "forget_endpoint",
]

log = logging.getLogger("particle_async")

USER_AGENT = (
    f"particle_async/{__version__} httpx/{httpx.__version__} python/{platform.python_version()}"
)
DEFAULT_CLIENT = "particle"
"""The OAuth client id and secret the docs give for single-user scripts."""
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
"""The largest decoded body we read (firmware binaries are ~1 MB; a report a few MB)."""
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Re-sent without being told. A PUT or DELETE is re-sent only when its call site says
`idempotent=True` (each one does: tests/docs/test_idempotency.py checks)."""
_BASE_HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json"}

TimeoutTypes = float | httpx.Timeout | None | NotGiven
Expect = Literal["json", "bytes", "response"]
Progress = Callable[[int, int], None]
_HeadersCache = tuple[httpx.AsyncClient, Secret | None, list[tuple[bytes, bytes]], httpx.Headers]

_endpoint: contextvars.ContextVar[str] = contextvars.ContextVar("particle_endpoint", default="")


def forget_endpoint() -> None:
    """Start a call with no answer recorded (see `current_endpoint`)."""
    _endpoint.set("")


def current_endpoint() -> str:
    """`"GET /v1/devices/abc"` of the last answer received in this task (for parse errors).

    A resource parses the body right after `request` returns, in the same task, so the
    models can name the endpoint whose answer had the wrong shape without being told.
    """
    return _endpoint.get()


class ClientState:
    """What a client and the clients derived from it (`with_options`) share.

    `streams` holds every event stream made through the client (weakly), so closing
    the client ends them, even one that another task is reading at that moment;
    `calls` holds the deadline scope of each request in flight, so closing the client
    cancels those too (they raise `ClientClosedError`), wherever they wait.
    """

    __slots__ = ("calls", "closed", "streams", "token")

    def __init__(self, token: Secret | None):
        self.token = token
        self.closed = False
        self.streams: weakref.WeakSet[Any] = weakref.WeakSet()
        self.calls: set[anyio.CancelScope] = set()

    def cancel_calls(self) -> None:
        """End every request in flight: each raises `ClientClosedError` at once."""
        for scope in list(self.calls):
            scope.cancel()


def wrap_transport_error(exc: httpx.HTTPError, request: httpx.Request) -> ParticleError:
    """httpx's failures as ours: connect, timeout, bad URL scheme, undecodable body."""
    cls: type[ParticleError] = NetworkError
    if isinstance(exc, httpx.UnsupportedProtocol):
        cls = ConfigurationError
    elif isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        cls = ConnectError
    elif isinstance(exc, httpx.TimeoutException):
        cls = NetworkTimeoutError
    elif isinstance(exc, httpx.DecodingError):
        cls = ResponseDecodeError
    detail = str(exc) or "no detail"
    return cls(f"{type(exc).__name__}: {detail}", method=request.method, url=str(request.url))


class Transport:
    """Sends requests for one `Particle` client; shared by all of its resources."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient | Callable[[], httpx.AsyncClient],
        base_url: str,
        state: ClientState,
        limiter: Limiter | None,
        retry: RetryPolicy,
        timeout: httpx.Timeout,
        clock: Clock | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ):
        self._http = http
        self.base_url = base_url.rstrip("/")
        self.state = state
        self.limiter = limiter
        self.retry = retry
        self.timeout = timeout
        self.clock = clock or SystemClock()
        self.max_body_bytes = max_body_bytes
        self._headers_cache: _HeadersCache | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        """The httpx client for requests (the client builds its own on first use, and it
        stays the same from then on: kept here, so later requests skip the factory)."""
        http = self._http
        if not isinstance(http, httpx.AsyncClient):
            http = self._http = http()
        return http

    @property
    def token(self) -> Secret | None:
        return self.state.token

    @property
    def closed(self) -> bool:
        return self.state.closed

    def auth_headers(self) -> dict[str, str]:
        """The bearer header, built per request so a borrowed client is never mutated."""
        token = self.state.token
        if token is None:
            raise ConfigurationError(
                "no access token: pass token= to Particle() or set PARTICLE_ACCESS_TOKEN"
            )
        return {"Authorization": "Bearer " + token.get()}

    def check_open(self) -> None:
        if self.state.closed:
            raise ClientClosedError("this Particle client is closed")

    def build_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        timeout: TimeoutTypes = NOT_GIVEN,
    ) -> httpx.Request:
        """An `httpx.Request` with our headers; also used to open event streams."""
        self.check_open()
        client = self.http
        url = self.base_url + path
        quick = authenticated and not headers and isinstance(timeout, NotGiven)
        try:
            content: dict[str, Any] = {
                "params": _clean(params), "json": json_body, "data": _clean(form), "files": files
            }  # fmt: skip
            if quick and _plain(client):
                return httpx.Request(
                    method,
                    url,
                    **content,
                    headers=self._headers_for(client),
                    extensions={"timeout": self.timeout.as_dict()},
                )
            return client.build_request(
                method,
                url,
                **content,
                headers=self._merge_headers(headers, authenticated),
                timeout=self.timeout if isinstance(timeout, NotGiven) else httpx.Timeout(timeout),
            )
        except (httpx.InvalidURL, UnicodeError, TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"cannot build {method} {path}: {type(exc).__name__}: {exc}"
            ) from exc

    def _merge_headers(
        self, headers: Mapping[str, str] | None, authenticated: bool
    ) -> dict[str, str]:
        merged = dict(_BASE_HEADERS)
        if authenticated:
            merged.update(self.auth_headers())
        if headers:
            merged.update(headers)
        return merged

    def _headers_for(self, client: httpx.AsyncClient) -> httpx.Headers:
        """The client's headers with ours and the bearer header on top, as its
        `build_request` would merge them, merged once per (client, token, client headers):
        the merge costs ~10 µs a call. A client whose headers change gets a new merge."""
        token = self.state.token
        snapshot = client.headers.raw
        cached = self._headers_cache
        if cached and cached[0] is client and cached[1] is token and cached[2] == snapshot:
            return cached[3]
        merged = httpx.Headers(client.headers)
        merged.update(self._merge_headers(None, True))
        self._headers_cache = (client, token, snapshot, merged)
        return merged  # httpx.Request copies it: the cached one is never changed

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        authenticated: bool = True,
        idempotent: bool | None = None,
        expect: Expect = "json",
        progress: Progress | None = None,
    ) -> Any:
        """Send with rate limiting and retries; return decoded JSON (or bytes/response).

        `idempotent`: whether re-sending after a lost answer is harmless. GET, HEAD and
        OPTIONS are; anything else is sent once unless the caller declares it (a PUT that
        flashes a device must never run twice).
        `progress(sent, total)` is called as an upload's body goes out (multipart files).
        """
        request = self.build_request(
            method,
            path,
            params=params,
            json_body=json_body,
            form=form,
            files=files,
            headers=headers if auth is None else _basic(auth, headers),
            authenticated=authenticated and auth is None,
        )
        if progress is not None:
            request.stream = _ProgressStream(request, progress)
        safe = method.upper() in _SAFE_METHODS if idempotent is None else idempotent
        response = await self.send(request, idempotent=safe)
        _endpoint.set(f"{method} {path}")
        return _decode(response, expect)

    async def send(self, request: httpx.Request, *, idempotent: bool) -> httpx.Response:
        """Send a request built elsewhere (another host, say): limiter, retries, deadline.

        The response is returned with its body read (and capped); it is already closed.
        """
        self.check_open()
        deadline = self.retry.deadline
        call = _Call()
        calls = self.state.calls
        with anyio.move_on_after(deadline) as scope:
            calls.add(scope)  # closing the client cancels this scope
            try:  # the first attempt directly (the common case, ~25 µs cheaper than tenacity)
                try:
                    return await self._send_once(request, call)
                except ParticleError as exc:
                    if self.retry.max_attempts <= 1 or not is_retryable(exc, idempotent=idempotent):
                        raise
                    first = exc
                return await self._retry(request, first, idempotent=idempotent, call=call)
            finally:
                calls.discard(scope)
        self.check_open()
        if call.waiting_for_limiter:
            raise RateLimitedError(
                f"the rate limiter would hold this call past its {deadline:g}s deadline",
                status=429,
                method=request.method,
                url=str(request.url),
            )
        raise NetworkTimeoutError(
            f"no complete answer within the {deadline:g}s deadline",
            method=request.method,
            url=str(request.url),
        )

    async def _retry(
        self, request: httpx.Request, first: ParticleError, *, idempotent: bool, call: _Call
    ) -> httpx.Response:
        """Attempts 2..n under tenacity, after waiting out the first failure."""
        policy = self.retry
        started = self.clock.now()
        delay = self._delay(first, 1)
        if delay >= policy.deadline:
            raise first
        _log_retry_wait(first, 1, delay)
        await self.clock.sleep(delay)
        remaining = policy.deadline - (self.clock.now() - started)
        retrying = AsyncRetrying(  # built per call: a shared instance is not concurrency-safe
            stop=stop_after_attempt(policy.max_attempts - 1) | stop_before_delay(remaining),
            wait=lambda state: self._delay(_outcome(state), state.attempt_number + 1),
            retry=retry_if_exception(lambda exc: is_retryable(exc, idempotent=idempotent)),
            sleep=self.clock.sleep,
            before_sleep=_log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._send_once(request, call)
        raise AssertionError("unreachable: tenacity either returns or reraises")

    def _delay(self, exc: BaseException | None, attempt: int) -> float:
        """Retry-After when the server gave one (and we honour it), else jittered backoff."""
        if (
            isinstance(exc, RateLimitedError)
            and exc.retry_after is not None
            and self.retry.respect_retry_after
        ):
            return exc.retry_after
        return backoff_delay(attempt, self.retry)

    async def _send_once(self, request: httpx.Request, call: _Call) -> httpx.Response:
        """One attempt: `open` without a head timeout (its deadline scope bounds this), one
        coroutine layer fewer (each costs a call ~0.5 µs), then `read_body`."""
        if self.limiter is not None:
            await self.acquire(call)
        response = await self._send_and_check(self.http, request, None)
        await self.read_body(response)
        return response

    async def acquire(self, call: _Call | None = None) -> None:
        """Wait for the limiter (if any); `call` notes the wait so a deadline can say why."""
        if self.limiter is None:
            return
        if call is not None:
            call.waiting_for_limiter = True
        await self.limiter.acquire()
        if call is not None:
            call.waiting_for_limiter = False

    async def open(
        self,
        request: httpx.Request,
        *,
        http: httpx.AsyncClient | None = None,
        head_timeout: float | None = None,
        content_type: str | None = None,
        call: _Call | None = None,
    ) -> httpx.Response:
        """Send and return the open response of a 2xx answer; its body is yours to read.

        `head_timeout` bounds the wait for the status line and headers (a stream has no
        read timeout, so a server that accepts and never answers would hold it forever).
        A non-2xx answer raises its typed error; a 429 first pauses the limiter.
        """
        await self.acquire(call)
        client = http or self.http
        if head_timeout is None:  # a REST call: its deadline scope bounds this already
            return await self._send_and_check(client, request, content_type)
        with anyio.move_on_after(head_timeout):
            return await self._send_and_check(client, request, content_type)
        raise NetworkTimeoutError(
            f"no response headers within {head_timeout:g}s",
            method=request.method,
            url=str(request.url),
        )

    async def _send_and_check(
        self, client: httpx.AsyncClient, request: httpx.Request, content_type: str | None
    ) -> httpx.Response:
        try:
            response = await client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise wrap_transport_error(exc, request) from exc
        if response.is_success and content_type is None and not log.isEnabledFor(logging.DEBUG):
            return response  # nothing for `_check` to do: the common case, one await fewer
        return await self._check(response, content_type)

    async def _check(self, response: httpx.Response, content_type: str | None) -> httpx.Response:
        if log.isEnabledFor(logging.DEBUG):  # redacting costs ~7 us: only when it is shown
            url = redact_url(str(response.request.url))
            log.debug("%s %s -> %s", response.request.method, url, response.status_code)
        if not response.is_success:
            await self._raise_for(response)
        if content_type is not None:
            got = response.headers.get("content-type", "")
            if not got.startswith(content_type):
                await response.aclose()
                raise StreamError(
                    f"expected {content_type}, got {got or 'no content type'}",
                    method=response.request.method,
                    url=str(response.request.url),
                )
        return response

    async def _raise_for(self, response: httpx.Response) -> None:
        """Read the error body (capped), raise the typed error; a 429 pauses the limiter."""
        with contextlib.suppress(ParticleError):  # unreadable error body: the status must do
            await self.read_body(response)
        retry_after = parse_retry_after(response.headers, cap=self.retry.max_retry_after)
        error = error_from_response(response, retry_after=retry_after)
        if isinstance(error, RateLimitedError) and self.limiter is not None:
            pause = retry_after if retry_after is not None else backoff_delay(1, self.retry)
            await self.limiter.pause(pause)
        raise error

    async def read_body(self, response: httpx.Response) -> bytes:
        """The decoded body, at most `max_body_bytes`; closes the response in every case.

        Read chunk by chunk so the cap holds while the body arrives: a gzip bomb stops
        at the cap (plus one decoded chunk), not once it has filled memory.
        """
        cap = self.max_body_bytes
        content: bytes | None = getattr(response, "_content", None)
        if content is not None:  # read already, or built in memory: httpx's `aread()` checks so
            await response.aclose()
            if len(content) > cap:
                raise _too_large(response, cap)
            return content
        parts: list[bytes] = []
        size = 0
        body = Body(response)
        try:
            async for chunk in body:
                size += len(chunk)
                if size > cap:
                    raise _too_large(response, cap)
                parts.append(chunk)
        except httpx.HTTPError as exc:
            raise wrap_transport_error(exc, response.request) from exc
        finally:
            await body.aclose()
        content = b"".join(parts)
        response._content = content  # what `Response.aread()` sets: `.content` works as usual
        return content


class _Call:
    """Per-call notes: whether the deadline caught it waiting on the limiter."""

    __slots__ = ("waiting_for_limiter",)

    def __init__(self) -> None:
        self.waiting_for_limiter = False


class _ProgressStream(httpx.AsyncByteStream):
    """Wraps a request body to report `(bytes sent, total)` as httpx pulls it out."""

    def __init__(self, request: httpx.Request, progress: Progress):
        self._inner = request.stream
        self._total = int(request.headers.get("Content-Length") or 0)
        self._progress = progress

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        self._progress(sent, self._total)
        async for chunk in self._inner:  # type: ignore[union-attr]
            sent += len(chunk)
            yield chunk
            self._progress(sent, self._total)


def _too_large(response: httpx.Response, cap: int) -> ResponseDecodeError:
    return ResponseDecodeError(
        f"response body larger than max_body_bytes={cap}",
        method=response.request.method,
        url=str(response.request.url),
    )


def _plain(client: httpx.AsyncClient) -> bool:
    """Whether `client.build_request` would add nothing to a request but its headers and
    our timeout (no cookies, no default params, not overridden): then we build the
    `httpx.Request` ourselves, with headers merged once (see `Transport._headers_for`)."""
    return (
        type(client).build_request is httpx.AsyncClient.build_request
        and not client.cookies
        and not client.params
    )


def _clean(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop None values (optional parameters not given); booleans as the API spells them."""
    if values is None:
        return None
    return {
        k: (str(v).lower() if isinstance(v, bool) else v)
        for k, v in values.items()
        if v is not None
    }


def _basic(auth: tuple[str, str] | None, headers: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(headers or {})
    if auth is not None:
        pair = f"{auth[0]}:{auth[1]}".encode()
        merged["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return merged


def _decode(response: httpx.Response, expect: Expect) -> Any:
    if expect == "response":
        return response
    if expect == "bytes":
        return response.content
    content = response.content
    if not content or content.isspace():
        return None
    try:
        return loads(content)
    except (ValueError, RecursionError):
        snippet = redact_text(response.content[:120].decode("utf-8", "replace"))
        raise ResponseDecodeError(
            f"expected JSON from the API, got {response.headers.get('content-type', '?')}: "
            f"{snippet!r}",
            method=response.request.method,
            url=str(response.request.url),
        ) from None


def _outcome(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome else None


def _log_retry_wait(exc: BaseException | None, attempt: int, wait: float) -> None:
    """At DEBUG: a retry is routine, and WARNING reaches stderr in unconfigured apps."""
    log.debug("retrying after %s (attempt %d, wait %.2fs)", exc, attempt, wait)


def _log_retry(state: RetryCallState) -> None:
    sleep = state.next_action.sleep if state.next_action else 0.0
    _log_retry_wait(_outcome(state), state.attempt_number + 1, sleep)
