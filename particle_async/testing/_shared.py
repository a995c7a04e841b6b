"""What route modules borrow from each other, in one place: resolving a device, product
or organisation with the cloud's access rules, the product view, multipart bodies, and
timestamps in query strings.

Before this module the routes imported these from each other (devices <-> firmware <->
products); now every routes module depends on this one and on `_wire`, and only on
sibling modules of its own area family.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from ._state import CloudState, FakeDevice, FakeOrg, FakeProduct
from ._wire import Ctx, content_kind, device_not_found, fail, permission_denied

ZIP_MAGIC = b"PK\x03\x04"

# -- access and resolution ---------------------------------------------------------------


def can_access(state: CloudState, username: str, device: FakeDevice) -> bool:
    """A device is reachable by its owner and by its product's team."""
    if device.owner == username:
        return True
    product = state.products.get(device.product_id) if device.product_id is not None else None
    return product is not None and username in product.members


def resolve_device(ctx: Ctx, key: str) -> FakeDevice:
    """By ID or the caller's device name; 404 when unknown, then 403 when not reachable."""
    device = ctx.state.find_device(key, ctx.user.username)
    if device is None:
        raise device_not_found()
    if not can_access(ctx.state, ctx.user.username, device):
        raise permission_denied()
    return device


def resolve_product(ctx: Ctx, key: str) -> FakeProduct:
    """By ID or slug; 404 when unknown, then 403 for a caller off the product's team."""
    product = ctx.state.find_product(key)
    if product is None:
        raise fail(404, "Product not found.")
    if ctx.user.username not in product.members:
        raise permission_denied()
    return product


def resolve_product_device(ctx: Ctx) -> tuple[FakeProduct, FakeDevice]:
    """`:product` and `:deviceId` of a product-scoped path; a device outside it is 404."""
    product = resolve_product(ctx, ctx.path("product"))
    device = ctx.state.find_device(ctx.path("deviceId"))
    if device is None or device.product_id != product.id:
        raise device_not_found()
    return product, device


def resolve_org(ctx: Ctx, key: str) -> FakeOrg:
    """By slug or ID; 404 when unknown, then 403 for a non-member."""
    org = ctx.state.find_org(key)
    if org is None:
        raise fail(404, "Organization not found.")
    if ctx.user.username not in org.members:
        raise permission_denied()
    return org


def resolve_org_device(ctx: Ctx) -> tuple[FakeOrg, FakeDevice]:
    """`:org` and `:deviceId` of an org-scoped path: the device must be in one of the
    organisation's products (404 otherwise)."""
    org = resolve_org(ctx, ctx.path("org"))
    products = {p.id for p in ctx.state.all_products() if p.org == org.slug}
    device = ctx.state.find_device(ctx.path("deviceId"))
    if device is None or device.product_id not in products:
        raise device_not_found()
    return org, device


def product_view(state: CloudState, product: FakeProduct) -> dict[str, Any]:
    """One product as product, organisation and device-lookup answers show it."""
    org = state.find_org(product.org) if product.org else None
    groups = {g for d in state.all_devices() if d.product_id == product.id for g in d.groups}
    return {
        "id": product.id,
        "platform_id": product.platform_id,
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "subscription_id": None,
        "groups": sorted(groups),
        "settings": {"quarantine": False},
        "org": org.id if org else None,
    }


# -- multipart ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart body."""

    field: str
    filename: str
    content_type: str
    content: bytes


def is_multipart(ctx: Ctx) -> bool:
    """Whether the body is `multipart/form-data`: on `PUT /v1/devices/:id`, a flash."""
    return content_kind(ctx.request) == "multipart/form-data"


async def read_multipart(request: Request) -> tuple[dict[str, str], list[Upload]]:
    """The plain fields and the file parts (in body order) of a multipart request."""
    if content_kind(request) != "multipart/form-data":
        raise fail(400, "Expected a multipart/form-data body")
    form = await request.form()
    try:
        fields: dict[str, str] = {}
        uploads: list[Upload] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                kind = value.content_type or "application/octet-stream"
                uploads.append(Upload(name, value.filename or name, kind, content))
            else:
                fields[name] = value
        return fields, uploads
    finally:
        await form.close()


# -- query-string values -----------------------------------------------------------------


def parse_time(text: str) -> datetime | None:
    """ISO 8601 (a date, or a time with `Z` or an offset) as an aware UTC datetime."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
