"""The wire emulation every route shares: the cloud's JSON error shapes, how a request's
parameters are read, where the access token may travel, and the authenticated `Ctx`.

Route modules raise `ApiError` instead of returning error responses, so a handler reads
top to bottom as the happy path and every error body is built in one place. The test
controls (faults, the rate limiter, the gate) are in `_controls`, not here: this module
is only what the real cloud does.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._sse import StreamRegistry
from ._state import CloudState, FakeUser

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


# -- parameters --------------------------------------------------------------------------


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


FORM = "application/x-www-form-urlencoded"


def content_kind(request: Request) -> str:
    """The media type of the body, lower case, without parameters."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_params(request: Request) -> tuple[dict[str, Any], bool]:
    """Parameters and whether they came form-encoded (only then may they carry the token).
    The API takes JSON or form bodies alike; reads take the query string."""
    if request.method in ("GET", "HEAD"):
        return dict(request.query_params), False
    kind = content_kind(request)
    raw = await request.body()
    if kind == FORM:
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


# -- credentials -------------------------------------------------------------------------


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


# -- per-request context -----------------------------------------------------------------


@dataclass(frozen=True)
class Services:
    """What routes need besides the request; stored on the starlette app's state."""

    state: CloudState
    streams: StreamRegistry
    keepalive: float
    era: str = "current"  # or "2014": the Spark Cloud docs' answers where they differ


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


async def authenticate(request: Request) -> Ctx:
    """Who is calling, before anything else is read: the token comes from the
    Authorization header, else the query string, else a form body (the only body read
    first). A bad JSON body without a valid token is a 400/401 about the token, as on the
    real cloud, and only an authenticated request gets its parameters parsed."""
    services = services_of(request)
    form: dict[str, Any] | None = None
    token = bearer_token(request) or request.query_params.get("access_token")
    if not token and request.method not in ("GET", "HEAD") and content_kind(request) == FORM:
        form, _ = await read_params(request)
        token = form.get("access_token")
    if not token:
        raise token_missing()
    user = services.state.token_owner(str(token))
    if user is None:
        raise token_invalid()
    params = form if form is not None else (await read_params(request))[0]
    return Ctx(request, services, user, str(token), params)


def api(path: str, handler: Handler, method: str = "GET") -> Route:
    """A route whose handler gets an authenticated `Ctx`."""

    async def endpoint(request: Request) -> Response:
        return await handler(await authenticate(request))

    endpoint.__name__ = handler.__name__
    return Route(path, endpoint, methods=[method])
