"""The one exception tree of particle_async, and the one place a response becomes an error.

```
ParticleError                     anything this SDK raises on purpose
├── APIError                      the cloud answered with a non-2xx status
│   ├── BadRequestError           400 (also: variable or function not exposed)
│   ├── UnauthorizedError         401 (bad or expired token; never retried)
│   ├── ForbiddenError            403 (token not allowed for this resource)
│   ├── NotFoundError             404
│   │   └── DeviceOfflineError    404 whose body says the device is not reachable
│   ├── RequestTimeoutError       408 (the device may still have run the call)
│   ├── ConflictError             409
│   ├── UnprocessableEntityError  422 (configuration schema `violations`)
│   ├── RateLimitedError          429 (`retry_after` seconds when the server said)
│   └── ServerError               5xx
├── NetworkError                  the request never got a complete answer
│   ├── ConnectError              ...and surely never reached the server
│   └── NetworkTimeoutError       ...within a timeout or the call's deadline
├── ResponseDecodeError           a 2xx answer whose body is not the JSON we expect
├── StreamError                   an event stream failed in a way reconnecting cannot fix
├── PollTimeoutError              a `wait_...` helper gave up on a 202-and-poll task
└── ClientClosedError             the `Particle` client was used after `aclose()`
```
Every error carries the HTTP method and the URL with any access token redacted. Error
bodies come in several shapes (see `_parse_body`); all of them end up in the same fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from ._redact import redact_text, redact_url

__all__ = [
    "APIError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "DeviceOfflineError",
    "ForbiddenError",
    "NetworkError",
    "NetworkTimeoutError",
    "NotFoundError",
    "ParticleError",
    "PollTimeoutError",
    "RateLimitedError",
    "RequestTimeoutError",
    "ResponseDecodeError",
    "ServerError",
    "StreamError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "error_from_response",
]


class ParticleError(Exception):
    """Root of every error raised by particle_async."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None):
        self.method = method
        self.url = redact_url(url) if url else url
        self.message = redact_text(message)
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return f"{self.message}{where}"


class APIError(ParticleError):
    """The cloud answered with an error status; the parsed body is on the instance."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str | None = None,
        url: str | None = None,
        error: str | None = None,
        error_description: str | None = None,
        info: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message, method=method, url=url)
        self.status = status
        self.error = error
        self.error_description = error_description
        self.info = info
        self.body = body
        self.headers = dict(headers or {})

    @property
    def violations(self) -> list[Any]:
        """Schema violations of a 422 answer (configuration), else an empty list."""
        if isinstance(self.body, Mapping):
            found = self.body.get("violations")
            if isinstance(found, list):
                return found
        return []

    def __str__(self) -> str:
        return f"{self.status} {super().__str__()}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, message={self.message!r})"


class BadRequestError(APIError):
    """400: the request was not understood, or the variable/function is not exposed."""


class UnauthorizedError(APIError):
    """401: the access token is missing, invalid or expired. Retrying cannot help."""


class ForbiddenError(APIError):
    """403: the token is valid but not allowed to touch this resource (or MFA is needed)."""


class NotFoundError(APIError):
    """404: no such resource (or, for older API answers, the device is not connected)."""


class DeviceOfflineError(NotFoundError):
    """404 whose body says the device could not be reached (offline or timed out)."""


class RequestTimeoutError(APIError):
    """408: the cloud gave up waiting on the device; the device may still have acted."""


class ConflictError(APIError):
    """409: the resource is in a state that conflicts with the request."""


class UnprocessableEntityError(APIError):
    """422: the body failed validation; see `violations`."""


class RateLimitedError(APIError):
    """429: too many requests. `retry_after` is the server's advice in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the cloud (or a proxy in front of it) failed."""


class NetworkError(ParticleError):
    """The request failed below HTTP: the connection broke, or a timeout expired."""


class ConnectError(NetworkError):
    """The connection could not be opened: the request surely never reached the server."""


class NetworkTimeoutError(NetworkError):
    """A timeout expired: a read, the wait for a response head, or the call's deadline."""


class ResponseDecodeError(ParticleError):
    """A successful answer whose body is not valid JSON of the expected shape."""


class StreamError(ParticleError):
    """An event stream failed in a way that reconnecting cannot fix."""


class PollTimeoutError(ParticleError, TimeoutError):
    """A `wait_...` helper gave up: the task was still not done after its attempts.

    `last` holds the last answer seen (a pending status, an older record, or None).
    """

    def __init__(self, message: str, *, last: Any = None):
        super().__init__(message)
        self.last = last


class ClientClosedError(ParticleError):
    """The client was used after it was closed."""


class ConfigurationError(ParticleError, ValueError):
    """An argument that can never work: caught when it is given, not when it is sent.

    A token with a space or a non-ASCII character, say, would otherwise fail deep inside
    httpx with an encoding error whose repr holds the whole `Authorization` header.
    """


_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitedError,
}

_OFFLINE_MARKERS = ("offline", "timed out", "not connected", "unreachable")


def _parse_body(content: bytes) -> Any:
    """The body as JSON if it is JSON, else its text (an HTML proxy page, say)."""
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def _first_error(body: Mapping[str, Any]) -> str | None:
    """`error` as a string, or the first message of a libraries-style `errors` list."""
    error = body.get("error")
    if isinstance(error, str):
        return error
    if isinstance(error, Mapping):
        return str(error.get("message") or error)
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        if isinstance(first, Mapping):
            return str(first.get("message") or first.get("detail") or first)
        return str(first)
    message = body.get("message")
    return message if isinstance(message, str) else None


def _fields(body: Any) -> tuple[str | None, str | None, str | None]:
    """(error, error_description, info) from any of the API's error body shapes."""
    if not isinstance(body, Mapping):
        return None, None, None
    description = body.get("error_description") or body.get("description")
    info = body.get("info")
    return (
        _first_error(body),
        str(description) if description is not None else None,
        str(info) if info is not None else None,
    )


def _message(status: int, reason: str, body: Any, fields: tuple[str | None, ...]) -> str:
    text = ": ".join(part for part in fields if part)
    if text:
        return text
    if isinstance(body, str) and body.strip():
        snippet = " ".join(body.split())[:120]
        return f"{reason or 'HTTP error'} (non-JSON body: {snippet!r})"
    return reason or "HTTP error"


def _error_class(status: int, error: str | None) -> type[APIError]:
    if status == 404 and error and any(m in error.lower() for m in _OFFLINE_MARKERS):
        return DeviceOfflineError
    if status >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status, APIError)


def error_from_response(response: httpx.Response, *, retry_after: float | None = None) -> APIError:
    """Build the typed error for a non-2xx response (the one status → class factory)."""
    body = _parse_body(response.content)
    fields = _fields(body)
    cls = _error_class(response.status_code, fields[0])
    kwargs: dict[str, Any] = {
        "status": response.status_code,
        "method": response.request.method,
        "url": str(response.request.url),
        "error": fields[0],
        "error_description": fields[1],
        "info": fields[2],
        "body": body,
        "headers": response.headers,
    }
    if cls is RateLimitedError:
        kwargs["retry_after"] = retry_after
    return cls(_message(response.status_code, response.reason_phrase, body, fields), **kwargs)
