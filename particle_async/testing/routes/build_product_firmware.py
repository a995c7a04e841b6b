"""Product firmware: upload (multipart), list, describe, edit, download, release, delete.

Versions live per product. Releasing follows the docs: the first release of a version
needs it running on at least one device of the product; `product_default=true` makes it
the fleet default (taking that from any other version), `groups` gives it those device
groups (taking them from other versions). Only never-released versions can be deleted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import ZIP_MAGIC, read_multipart, resolve_product
from .._state import CloudState, FakeProduct, iso_ms, utcnow
from .._wire import Ctx, api, as_bool, as_int, fail, json_response


@dataclass
class FirmwareVersion:
    version: int
    title: str
    description: str
    filename: str
    content: bytes
    uploaded_by: str
    mandatory: bool = False
    product_default: bool = False
    groups: list[str] = field(default_factory=list)
    intelligent: bool = False
    released: bool = False  # ever released: then it can no longer be deleted
    id: str = field(default_factory=lambda: secrets.token_hex(12))
    uploaded_on: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass
class ProductFirmwareState:
    """`versions[product_id][version]`."""

    versions: dict[int, dict[int, FirmwareVersion]] = field(default_factory=dict)


def versions_of(ctx: Ctx, product: FakeProduct) -> dict[int, FirmwareVersion]:
    with ctx.state.lock:
        return ctx.state.area(ProductFirmwareState).versions.setdefault(product.id, {})


def firmware_view(state: CloudState, product: FakeProduct, fw: FirmwareVersion) -> dict[str, Any]:
    running = [
        d
        for d in state.all_devices()
        if d.product_id == product.id and d.firmware_version == fw.version
    ]
    return {
        "_id": fw.id,
        "version": fw.version,
        "title": fw.title,
        "description": fw.description,
        "name": fw.filename,
        "size": len(fw.content),
        "current": fw.product_default,
        "product_default": fw.product_default,
        "mandatory": fw.mandatory,
        "intelligent": fw.intelligent,
        "groups": list(fw.groups),
        "device_count": len(running),
        "uploaded_on": iso_ms(fw.uploaded_on),
        "updated_at": iso_ms(fw.updated_at),
        "product_id": product.id,
        "uploaded_by": {"username": fw.uploaded_by},
    }


def resolve_version(ctx: Ctx) -> tuple[FakeProduct, FirmwareVersion]:
    product = resolve_product(ctx, ctx.path("product"))
    number = as_int(ctx.path("version"), "version")
    fw = versions_of(ctx, product).get(number)
    if fw is None:
        raise fail(404, f"Firmware version {number} not found")
    return product, fw


async def list_firmware(ctx: Ctx) -> Response:
    """A bare array, by version."""
    product = resolve_product(ctx, ctx.path("product"))
    with ctx.state.lock:
        found = sorted(versions_of(ctx, product).values(), key=lambda fw: fw.version)
    return json_response([firmware_view(ctx.state, product, fw) for fw in found])


async def upload_firmware(ctx: Ctx) -> Response:
    """Multipart: part `file` (or the legacy `binary`), `version`, `title`, optional
    `description` and `mandatory`. 201 with the new firmware object."""
    product = resolve_product(ctx, ctx.path("product"))
    fields, uploads = await read_multipart(ctx.request)
    upload = next((u for u in uploads if u.field in ("file", "binary")), None)
    if upload is None:
        raise fail(400, "Missing firmware file (multipart part `file`)")
    if upload.content.startswith(ZIP_MAGIC) and upload.content_type != "application/zip":
        raise fail(400, "A bundle must be sent with the MIME type application/zip")
    if not fields.get("version"):
        raise fail(400, "version is required")
    if not fields.get("title"):
        raise fail(400, "title is required")
    fw = FirmwareVersion(
        version=as_int(fields["version"], "version", minimum=1),
        title=fields["title"],
        description=fields.get("description", ""),
        filename=upload.filename,
        content=upload.content,
        uploaded_by=ctx.user.username,
        mandatory=as_bool(fields.get("mandatory", False)),
    )
    with ctx.state.lock:
        versions = versions_of(ctx, product)
        if fw.version in versions:
            raise fail(400, f"Version {fw.version} already exists")
        versions[fw.version] = fw
    return json_response(firmware_view(ctx.state, product, fw), status=201)


async def get_firmware(ctx: Ctx) -> Response:
    product, fw = resolve_version(ctx)
    return json_response(firmware_view(ctx.state, product, fw))


async def edit_firmware(ctx: Ctx) -> Response:
    """Title, description and (enterprise) `mandatory`; anything else is ignored."""
    product, fw = resolve_version(ctx)
    with ctx.state.lock:
        if "title" in ctx.params:
            fw.title = str(ctx.params["title"])
        if "description" in ctx.params:
            fw.description = str(ctx.params["description"] or "")
        if "mandatory" in ctx.params:
            fw.mandatory = as_bool(ctx.params["mandatory"])
        fw.updated_at = utcnow()
    return json_response(firmware_view(ctx.state, product, fw))


async def download_firmware(ctx: Ctx) -> Response:
    _, fw = resolve_version(ctx)
    return Response(fw.content, media_type="application/octet-stream")


def _groups(raw: Any) -> list[str]:
    """A JSON list, `groups[]` form fields, or a comma-separated string."""
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    return [str(g).strip() for g in items if str(g).strip()]


async def release_firmware(ctx: Ctx) -> Response:
    """`{version, product_default?, groups?, intelligent?}`: 200 with the firmware object."""
    product = resolve_product(ctx, ctx.path("product"))
    number = as_int(ctx.param("version"), "version")
    groups = _groups(ctx.param("groups", "groups[]"))
    with ctx.state.lock:
        versions = versions_of(ctx, product)
        fw = versions.get(number)
        if fw is None:
            raise fail(404, f"Firmware version {number} not found")
        running = any(
            d.product_id == product.id and d.firmware_version == number
            for d in ctx.state.all_devices()
        )
        if not fw.released and not running:
            raise fail(
                400,
                f"Version {number} must be running on at least one device of the product "
                "before it is released for the first time",
            )
        if as_bool(ctx.param("product_default", default=False)):
            for other in versions.values():
                other.product_default = False
            fw.product_default = True
        if ctx.param("groups", "groups[]") is not None:
            for other in versions.values():
                other.groups = [g for g in other.groups if g not in groups]
            fw.groups = groups
        if "intelligent" in ctx.params:
            fw.intelligent = as_bool(ctx.params["intelligent"])
        fw.released = True
        fw.updated_at = utcnow()
    return json_response(firmware_view(ctx.state, product, fw))


async def delete_firmware(ctx: Ctx) -> Response:
    product, fw = resolve_version(ctx)
    with ctx.state.lock:
        if fw.released:
            raise fail(400, f"Version {fw.version} has been released and cannot be deleted")
        versions_of(ctx, product).pop(fw.version, None)
    return Response(status_code=204)


FIRMWARE = "/v1/products/{product}/firmware"

routes: list[Route] = [
    api(FIRMWARE, list_firmware, "GET"),
    api(FIRMWARE, upload_firmware, "POST"),
    api(FIRMWARE + "/release", release_firmware, "PUT"),  # before the `{version}` PUT
    api(FIRMWARE + "/{version}", get_firmware, "GET"),
    api(FIRMWARE + "/{version}", edit_firmware, "PUT"),
    api(FIRMWARE + "/{version}", delete_firmware, "DELETE"),
    api(FIRMWARE + "/{version}/binary", download_firmware, "GET"),
]
