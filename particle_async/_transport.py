"""Sending one request: auth header, rate limit, retry, timeouts, error mapping, decoding.

Request plumbing lives here once; a resource method only names the method, path,
parameters and model. Every exit path closes the response (errors and cancellation
included), and no exception from httpx escapes unwrapped.
"""

from __future__ import annotations

import base64
import json
import logging
import platform
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Literal

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)

from ._clock import Clock, SystemClock
from ._errors import (
    APIError,
    ClientClosedError,
    ConnectError,
    NetworkError,
    ParticleError,
    RateLimitedError,
    ResponseDecodeError,
    error_from_response,
)
from ._ratelimit import RateLimiter
from ._redact import Secret, redact_text, redact_url
from ._retry import RetryPolicy, backoff_delay, is_retryable, parse_retry_after
from ._version import __version__

__all__ = ["USER_AGENT", "TimeoutTypes", "Transport"]

log = logging.getLogger("particle_async")

USER_AGENT = (
    f"particle_async/{__version__} httpx/{httpx.__version__} python/{platform.python_version()}"
)
DEFAULT_CLIENT = "particle"
"""The OAuth client id and secret the docs give for single-user scripts."""
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

TimeoutTypes = float | httpx.Timeout | None
Expect = Literal["json", "bytes", "response"]
Progress = Callable[[int, int], None]


class _Default:
    """Marks "argument not passed", so `timeout=None` can mean "no timeout"."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Any = _Default()


def wrap_transport_error(exc: httpx.TransportError, request: httpx.Request) -> NetworkError:
    """httpx's transport failures as our NetworkError, connect failures told apart."""
    cls = (
        ConnectError
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
        else NetworkError
    )
    kind = type(exc).__name__
    detail = str(exc) or "no detail"
    return cls(f"{kind}: {detail}", method=request.method, url=str(request.url))


class Transport:
    """Sends requests for one `Particle` client; shared by all of its resources."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        base_url: str,
        token: Secret | None,
        limiter: RateLimiter | None,
        retry: RetryPolicy,
        timeout: httpx.Timeout,
        clock: Clock | None = None,
    ):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.limiter = limiter
        self.retry = retry
        self.timeout = timeout
        self.clock = clock or SystemClock()
        self.closed = False

    def auth_headers(self) -> dict[str, str]:
        """The bearer header, built per request so a borrowed client is never mutated."""
        if self.token is None:
            raise ParticleError(
                "no access token: pass token= to Particle() or set PARTICLE_ACCESS_TOKEN"
            )
        return {"Authorization": f"Bearer {self.token.get()}"}

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
        timeout: TimeoutTypes = DEFAULT,
    ) -> httpx.Request:
        """An `httpx.Request` with our headers; also used to open event streams."""
        if self.closed:
            raise ClientClosedError("this Particle client is closed")
        merged = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if authenticated:
            merged.update(self.auth_headers())
        merged.update(headers or {})
        effective = self.timeout if timeout is DEFAULT else httpx.Timeout(timeout)
        return self.http.build_request(
            method,
            self.base_url + path,
            params=_clean(params),
            json=json_body,
            data=_clean(form),
            files=files,
            headers=merged,
            timeout=effective,
        )

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
        timeout: TimeoutTypes = DEFAULT,
        expect: Expect = "json",
        progress: Progress | None = None,
    ) -> Any:
        """Send with rate limiting and retries; return decoded JSON (or bytes/response).

        `idempotent` defaults from the method (POST is not); pass False for PUTs that
        act on a device (flash) so they are never re-sent after reaching the server.
        `progress(sent, total)` is called as an upload's body goes out (multipart files).
        """
        request = self.build_request(
            method,
            path,
            params=params,
            json_body=json_body,
            form=form,
            files=files,
            headers=_basic(auth, headers),
            authenticated=authenticated and auth is None,
            timeout=timeout,
        )
        if progress is not None:
            request.stream = _ProgressStream(request, progress)
        safe = method.upper() in _IDEMPOTENT_METHODS if idempotent is None else idempotent
        response = await self._send_with_retry(request, idempotent=safe)
        return _decode(response, expect)

    async def send(self, request: httpx.Request, *, idempotent: bool) -> httpx.Response:
        """Send a request built elsewhere (another host, say) with our limiter and retries."""
        if self.closed:
            raise ClientClosedError("this Particle client is closed")
        return await self._send_with_retry(request, idempotent=idempotent)

    async def _send_with_retry(self, request: httpx.Request, *, idempotent: bool) -> httpx.Response:
        policy = self.retry
        retrying = AsyncRetrying(  # built per call: a shared instance is not concurrency-safe
            stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.deadline),
            wait=lambda state: self._wait(state),
            retry=retry_if_exception(lambda exc: is_retryable(exc, idempotent=idempotent)),
            sleep=self.clock.sleep,
            before_sleep=_log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._send_once(request)
        raise AssertionError("unreachable: tenacity either returns or reraises")

    def _wait(self, state: RetryCallState) -> float:
        """Retry-After when the server gave one (and we honour it), else jittered backoff."""
        exc = state.outcome.exception() if state.outcome else None
        if (
            isinstance(exc, RateLimitedError)
            and exc.retry_after is not None
            and self.retry.respect_retry_after
        ):
            return exc.retry_after
        return backoff_delay(state.attempt_number, self.retry)

    async def _send_once(self, request: httpx.Request) -> httpx.Response:
        if self.limiter is not None:
            await self.limiter.acquire()
        try:
            response = await self.http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise wrap_transport_error(exc, request) from None
        try:
            await response.aread()
        except httpx.TransportError as exc:
            raise wrap_transport_error(exc, request) from None
        finally:
            await response.aclose()
        if log.isEnabledFor(logging.DEBUG):  # redacting costs ~7 us: only when it is shown
            url = redact_url(str(request.url))
            log.debug("%s %s -> %s", request.method, url, response.status_code)
        if response.is_success:
            return response
        raise self.error_for(response)

    def error_for(self, response: httpx.Response) -> APIError:
        """The typed error for a failed response; a 429 also pauses the shared limiter."""
        retry_after = parse_retry_after(response.headers)
        error = error_from_response(response, retry_after=retry_after)
        if isinstance(error, RateLimitedError) and self.limiter is not None:
            pause = retry_after if retry_after is not None else backoff_delay(1, self.retry)
            self.limiter.pause(pause)
        return error


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
    if not response.content.strip():
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        snippet = redact_text(response.text[:120])
        raise ResponseDecodeError(
            f"expected JSON from the API, got {response.headers.get('content-type', '?')}: "
            f"{snippet!r}",
            method=response.request.method,
            url=str(response.request.url),
        ) from None


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    sleep = state.next_action.sleep if state.next_action else 0.0
    log.warning("retrying after %s (attempt %d, wait %.2fs)", exc, state.attempt_number, sleep)
