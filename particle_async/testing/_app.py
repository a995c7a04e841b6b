"""Assembly: the starlette app of every route, its exception handlers, and the gate of
test controls in front of it.

The parts live elsewhere: the wire emulation (error shapes, parameters, authentication)
in `_wire`, the test controls (faults, the rate limit, the gate) in `_controls`, the
helpers routes share (resolving devices, products and organisations; access checks;
multipart bodies) in `_shared`, and the routes in `routes/`, one module per API area.
"""

from __future__ import annotations

from http import HTTPStatus

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from ._controls import Faults, Gate, SlidingWindowLimiter
from ._wire import ApiError, Services, fail
from .routes import collect_routes

__all__ = ["Faults", "build_app"]  # `Faults` stays importable here for `testing/__init__`


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
