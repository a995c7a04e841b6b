"""Device routes beyond `devices.py` and `products.py`: importing devices into a product
(IDs, JSON or a multipart `.txt` file of IDs, serials, IMEIs or ICCIDs; the same call
approves quarantined devices), self-provisioning (`POST /v1/devices {product_id}`),
claim codes, serial-number lookup and search.

Two routes share a path and method with older modules and must be matched first (this
module comes before `devices` and `products` in `AREAS`): `POST /v1/devices` provisions
when the body names a `product_id` and otherwise claims, exactly as `devices.py` does;
`POST /v1/products/:product/devices` replaces the ID-only import of `products.py`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import Route

from .._shared import can_access, product_view, resolve_org, resolve_product
from .._state import CloudState, FakeDevice, FakeProduct, FakeUser
from .._wire import Ctx, api, as_bool, fail, json_response, permission_denied
from . import devices
from .fleet_sims import sims_of

DEVICE_ID = re.compile(r"^[0-9a-fA-F]{24}$")
SEARCH_LIMIT = 10  # results per kind


@dataclass
class ClaimCodesState:
    """Claim code -> (username, product ID) of whoever may claim with it."""

    codes: dict[str, tuple[str, int | None]] = field(default_factory=dict)


# -- import into a product ---------------------------------------------------------------


def _find(state: CloudState, key: str) -> FakeDevice | None:
    """A device by ID, serial number or ICCID (what an import file may list)."""
    device = state.find_device(key) if DEVICE_ID.match(key) else None
    lowered = key.lower()
    return device or next(
        (
            d
            for d in state.all_devices()
            if d.serial_number.lower() == lowered or (d.iccid or "") == key
        ),
        None,
    )


async def _import_request(ctx: Ctx) -> tuple[list[str], dict[str, Any]]:
    """The identifiers asked for, and the options (`import_sims`, `claim_user`)."""
    if ctx.request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with ctx.request.form() as form:  # closes the upload's temporary file
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise fail(400, "Provide a file of device IDs")
            text = (await upload.read()).decode("utf-8", "replace")
            options = {k: v for k, v in form.items() if isinstance(v, str)}
        return [line.strip() for line in text.splitlines() if line.strip()], options
    raw = ctx.param("ids") or ctx.param("id")
    if not raw:
        raise fail(400, "Provide id, ids or a file")
    keys = raw if isinstance(raw, list) else str(raw).split(",")
    return [str(k).strip() for k in keys if str(k).strip()], dict(ctx.params)


async def import_devices(ctx: Ctx) -> Response:
    """Known devices join the product (or leave quarantine); unknown 24-hex IDs are
    created, offline and unclaimed, as if manufactured for it. Devices of another
    product or platform are refused."""
    product = resolve_product(ctx, ctx.path("product"))
    keys, options = await _import_request(ctx)
    claim_user = options.get("claim_user")
    owner = ctx.state.users.get(str(claim_user)) if claim_user else None
    if claim_user and owner is None:
        raise fail(400, f"No user {claim_user}")
    updated, nonmember, invalid = 0, [], []
    with ctx.state.lock:
        for key in keys:
            device = _find(ctx.state, key)
            if device is None and DEVICE_ID.match(key):
                device = ctx.state.add_device(
                    id=key,
                    owner=None,
                    product_id=product.id,
                    platform_id=product.platform_id,
                    online=False,
                )
            if device is None or device.platform_id != product.platform_id:
                invalid.append(key)
            elif device.product_id not in (None, product.id):
                nonmember.append(device.id)
            else:
                _join(ctx.state, product, device, owner, as_bool(options.get("import_sims")))
                updated += 1
    return json_response(
        {"updated": updated, "nonmemberDeviceIds": nonmember, "invalidDeviceIds": invalid}
    )


def _join(
    state: CloudState,
    product: FakeProduct,
    device: FakeDevice,
    owner: FakeUser | None,
    import_sims: bool,
) -> None:
    device.product_id = product.id
    device.firmware_version = device.firmware_version or 1
    device.quarantined = device.denied = False
    if owner is not None:
        device.owner = owner.username
    if import_sims and device.iccid:
        sim = sims_of(state).sims.get(device.iccid)
        if sim is not None and sim.product_id is None:
            sim.owner, sim.product_id = None, product.id


# -- provisioning and claiming -----------------------------------------------------------


async def claim_or_provision(ctx: Ctx) -> Response:
    """`POST /v1/devices`: with `product_id`, create a device in that product (its team
    may provision); without, claim a device as `devices.py` does."""
    key = ctx.param("product_id")
    if key is None:
        return await devices.claim_device(ctx)
    product = resolve_product(ctx, str(key))
    device = ctx.state.add_device(
        owner=None, product_id=product.id, platform_id=product.platform_id, online=False
    )
    return json_response(devices.device_view(device))


async def create_claim_code(ctx: Ctx) -> Response:
    """A code for the device to present during setup: the ICCID or IMEI for cellular
    devices, else a random one. The product form exists for the product's customers."""
    product = None
    if "product" in ctx.request.path_params:
        product = ctx.state.find_product(ctx.path("product"))
        if product is None:
            raise fail(404, "Product not found.")
    code = str(ctx.param("iccid") or ctx.param("imei") or secrets.token_urlsafe(47))
    with ctx.state.lock:
        ctx.state.area(ClaimCodesState).codes[code] = (
            ctx.user.username,
            product.id if product else None,
        )
        mine = [d.id for d in ctx.state.all_devices() if d.owner == ctx.user.username]
    return json_response({"claim_code": code, "device_ids": mine})


# -- serial numbers and search -----------------------------------------------------------


async def lookup_serial_number(ctx: Ctx) -> Response:
    serial = ctx.path("serialNumber").lower()
    device = next((d for d in ctx.state.all_devices() if d.serial_number.lower() == serial), None)
    if device is None:
        raise fail(404, "Serial number not found")
    unclaimed = device.owner is None and device.product_id is None
    if not unclaimed and not can_access(ctx.state, ctx.user.username, device):
        raise permission_denied()
    body: dict[str, Any] = {"ok": True, "deviceID": device.id}
    if device.iccid:
        body["iccid"] = device.iccid
    return json_response(body)


def _device_hit(device: FakeDevice) -> dict[str, Any]:
    return {
        "type": "device",
        "id": device.id,
        "name": device.name,
        "serial_number": device.serial_number,
        "iccid": device.iccid,
        "product_id": device.product_id,
        "online": device.online,
    }


async def search(ctx: Ctx) -> Response:
    """Devices (ID, name, serial, ICCID), products (ID, name, slug) and SIMs (ICCID) the
    caller (or the organization, on `/v1/orgs/:org/search`) can see, 10 per kind."""
    text = (ctx.query("text") or "").strip().lower()
    if not text:
        raise fail(400, "text is required")
    kind = ctx.query("type")
    if kind not in (None, "device", "product", "sim"):
        raise fail(400, "type must be device, product or sim")
    with ctx.state.lock:
        products, fleet = _scope(ctx)
        sims = [
            s
            for s in sims_of(ctx.state).sims.values()
            if s.product_id in {p.id for p in products}
            or ("org" not in ctx.request.path_params and s.owner == ctx.user.username)
        ]
        found: dict[str, list[dict[str, Any]]] = {
            "device": [
                _device_hit(d)
                for d in fleet
                if any(text in (v or "").lower() for v in (d.id, d.name, d.serial_number, d.iccid))
            ],
            "product": [
                {"type": "product", **product_view(ctx.state, p)}
                for p in products
                if any(text in str(v).lower() for v in (p.id, p.name, p.slug))
            ],
            "sim": [
                {"type": "sim", "id": s.iccid, "iccid": s.iccid, "product_id": s.product_id}
                for s in sims
                if text in s.iccid
            ],
        }
    kinds = [kind] if kind else ["device", "product", "sim"]
    results = [hit for k in kinds for hit in found[k][:SEARCH_LIMIT]]
    more = any(len(found[k]) > SEARCH_LIMIT for k in kinds)
    return json_response({"results": results, "hasMore": more})


def _scope(ctx: Ctx) -> tuple[list[FakeProduct], list[FakeDevice]]:
    if "org" in ctx.request.path_params:
        org = resolve_org(ctx, ctx.path("org"))
        products = [p for p in ctx.state.all_products() if p.org == org.slug]
        ids = {p.id for p in products}
        return products, [d for d in ctx.state.all_devices() if d.product_id in ids]
    user = ctx.user.username
    products = [p for p in ctx.state.all_products() if user in p.members]
    visible = [d for d in ctx.state.all_devices() if can_access(ctx.state, user, d)]
    return products, visible


routes: list[Route] = [
    api("/v1/devices", claim_or_provision, "POST"),
    api("/v1/products/{product}/devices", import_devices, "POST"),
    api("/v1/device_claims", create_claim_code, "POST"),
    api("/v1/products/{product}/device_claims", create_claim_code, "POST"),
    api("/v1/serial_numbers/{serialNumber}", lookup_serial_number, "GET"),
    api("/v1/user/search", search, "GET"),
    api("/v1/orgs/{org}/search", search, "GET"),
]
