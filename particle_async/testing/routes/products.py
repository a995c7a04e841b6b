"""Products: listing, details, and the product-scoped device routes. `:product` is a
product ID or slug everywhere; a caller off the product's team gets 403."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from .._shared import is_multipart, product_view, resolve_product, resolve_product_device
from .._wire import Ctx, api, as_bool, json_response
from . import build_firmware, devices


async def list_products(ctx: Ctx) -> Response:
    mine = [p for p in ctx.state.all_products() if ctx.user.username in p.members]
    return json_response({"products": [product_view(ctx.state, p) for p in mine]})


async def get_product(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    return json_response({"product": product_view(ctx.state, product)})


async def list_product_devices(ctx: Ctx) -> Response:
    """`{devices, customers, meta: {total_pages}}`, 25 per page unless asked otherwise."""
    product = resolve_product(ctx, ctx.path("product"))
    members = [d for d in ctx.state.all_devices() if d.product_id == product.id]
    page, total_pages = devices.paginate(ctx, devices.select_devices(ctx, members), 25)
    return json_response(
        {
            "devices": [devices.list_view(d) for d in page],
            "customers": [],
            "meta": {"total_pages": total_pages},
        }
    )


async def get_device(ctx: Ctx) -> Response:
    return json_response(devices.device_view(resolve_product_device(ctx)[1]))


async def put_device(ctx: Ctx) -> Response:
    device = resolve_product_device(ctx)[1]
    if is_multipart(ctx):  # a multipart PUT is a flash
        return await build_firmware.flash(ctx, device)
    return devices.update_device(ctx, device, product_form=True)


async def remove_device(ctx: Ctx) -> Response:
    """Leaves the product (204); `deny=true` also denies it, as for quarantined devices."""
    _, device = resolve_product_device(ctx)
    with ctx.state.lock:
        device.denied = as_bool(ctx.param("deny", default=False))
        device.product_id = None
        device.firmware_version = None
        device.quarantined = False
    return Response(status_code=204)


async def remove_owner(ctx: Ctx) -> Response:
    """Unclaims a product device but keeps it in the product."""
    _, device = resolve_product_device(ctx)
    with ctx.state.lock:
        device.owner = None
    return Response(status_code=204)


async def ping_device(ctx: Ctx) -> Response:
    return devices.ping(resolve_product_device(ctx)[1])


async def get_variable(ctx: Ctx) -> Response:
    return devices.read_variable(ctx, resolve_product_device(ctx)[1])


async def post_function(ctx: Ctx) -> Response:
    return devices.call_function(ctx, resolve_product_device(ctx)[1])


PRODUCT_DEVICE = "/v1/products/{product}/devices/{deviceId}"

routes: list[Route] = [
    api("/v1/products", list_products, "GET"),
    api("/v1/user/products", list_products, "GET"),
    api("/v1/products/{product}", get_product, "GET"),
    api("/v1/products/{product}/devices", list_product_devices, "GET"),
    api(PRODUCT_DEVICE, get_device, "GET"),
    api(PRODUCT_DEVICE, put_device, "PUT"),
    api(PRODUCT_DEVICE, remove_device, "DELETE"),
    api(PRODUCT_DEVICE + "/owner", remove_owner, "DELETE"),
    api(PRODUCT_DEVICE + "/ping", ping_device, "PUT"),
    api(PRODUCT_DEVICE + "/{name}", get_variable, "GET"),
    api(PRODUCT_DEVICE + "/{name}", post_function, "POST"),
]
