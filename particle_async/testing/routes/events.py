"""Events: publishing over the API and the SSE streams of every scope.

Each stream path takes an optional trailing prefix (`/v1/devices/events/temp` receives
`temp` and `temperature`); it may contain slashes (`spark/status`) and arrives decoded.
Scope checks (401/403/404) run before the stream starts, so they are plain JSON errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.responses import Response
from starlette.routing import Route

from .._shared import (
    resolve_device,
    resolve_org,
    resolve_org_device,
    resolve_product,
    resolve_product_device,
)
from .._sse import EventStreamResponse, StreamFilter
from .._state import FakeEvent
from .._wire import Ctx, Handler, api, as_bool, as_int, fail, json_response

MAX_NAME_LENGTH = 64

Scope = Callable[[FakeEvent], bool]

# -- publishing ------------------------------------------------------------------------


def _api_event(ctx: Ctx, product_id: int | None) -> FakeEvent:
    """An event published over the API: `coreid` "api", private unless asked otherwise
    (public events are gone from the current cloud)."""
    name = str(ctx.param("name", default="") or "")
    if not name:
        raise fail(400, "Event name is required")
    if len(name) > MAX_NAME_LENGTH or "\n" in name:
        raise fail(400, f"Event name must be at most {MAX_NAME_LENGTH} characters")
    data = ctx.param("data", default="")
    return FakeEvent(
        name=name,
        data=data if isinstance(data, str) else json.dumps(data, separators=(",", ":")),
        ttl=as_int(ctx.param("ttl", default=60), "ttl"),
        private=as_bool(ctx.param("private", default=True)),
        coreid="api",
        owner=ctx.user.username,
        product_id=product_id,
    )


async def publish(ctx: Ctx) -> Response:
    ctx.state.publish(_api_event(ctx, product_id=None))
    return json_response({"ok": True})


async def publish_to_product(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    ctx.state.publish(_api_event(ctx, product_id=product.id))
    return json_response({"ok": True})


# -- streams ---------------------------------------------------------------------------


def _stream(ctx: Ctx, in_scope: Scope) -> Response:
    prefix = str(ctx.request.path_params.get("prefix", ""))
    stream = ctx.services.streams.open(StreamFilter(prefix, in_scope))
    return EventStreamResponse(stream, ctx.services.keepalive)


async def public_events(ctx: Ctx) -> Response:
    """The firehose: everyone's public events plus the caller's private ones."""
    me = ctx.user.username
    return _stream(ctx, lambda e: not e.private or e.owner == me)


async def my_events(ctx: Ctx) -> Response:
    """Everything the caller's devices publish, and what the caller publishes."""
    me = ctx.user.username
    return _stream(ctx, lambda e: e.owner == me)


async def device_events(ctx: Ctx) -> Response:
    device_id = resolve_device(ctx, ctx.path("deviceId")).id
    return _stream(ctx, lambda e: e.coreid == device_id)


async def product_events(ctx: Ctx) -> Response:
    product_id = resolve_product(ctx, ctx.path("product")).id
    return _stream(ctx, lambda e: e.product_id == product_id)


async def product_device_events(ctx: Ctx) -> Response:
    product, device = resolve_product_device(ctx)
    return _stream(ctx, lambda e: e.coreid == device.id and e.product_id == product.id)


def _org_products(ctx: Ctx) -> frozenset[int]:
    org = resolve_org(ctx, ctx.path("org"))
    return frozenset(p.id for p in ctx.state.all_products() if p.org == org.slug)


async def org_events(ctx: Ctx) -> Response:
    products = _org_products(ctx)
    return _stream(ctx, lambda e: e.product_id in products)


async def org_device_events(ctx: Ctx) -> Response:
    device_id = resolve_org_device(ctx)[1].id
    return _stream(ctx, lambda e: e.coreid == device_id)


async def org_product_events(ctx: Ctx) -> Response:
    products = _org_products(ctx)
    product_id = resolve_product(ctx, ctx.path("product")).id
    if product_id not in products:
        raise fail(404, "Product not found.")
    return _stream(ctx, lambda e: e.product_id == product_id)


def _with_prefix(path: str, handler: Handler) -> list[Route]:
    return [api(path, handler), api(path + "/{prefix:path}", handler)]


routes: list[Route] = [
    api("/v1/devices/events", publish, "POST"),
    api("/v1/products/{product}/events", publish_to_product, "POST"),
    *_with_prefix("/v1/events", public_events),
    *_with_prefix("/v1/devices/events", my_events),
    *_with_prefix("/v1/devices/{deviceId}/events", device_events),
    *_with_prefix("/v1/products/{product}/events", product_events),
    *_with_prefix("/v1/products/{product}/devices/{deviceId}/events", product_device_events),
    *_with_prefix("/v1/orgs/{org}/events", org_events),
    *_with_prefix("/v1/orgs/{org}/devices/{deviceId}/events", org_device_events),
    *_with_prefix("/v1/orgs/{org}/products/{product}/events", org_product_events),
]
