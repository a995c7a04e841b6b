"""Devices in the user's scope (`/v1/devices...`), and the per-device operations the
product routes reuse: the device view, update, variable read, function call, ping.

A device is reachable by its owner and by its product's team; anyone else gets 403 and
an unknown ID 404, checked in that order, before whether it is online.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .._shared import is_multipart, resolve_device
from .._state import FakeDevice, iso_ms, utcnow
from .._wire import (
    Ctx,
    api,
    as_bool,
    as_int,
    device_not_found,
    fail,
    json_response,
    permission_denied,
)
from . import build_firmware

# -- views -----------------------------------------------------------------------------


def variable_type(value: Any) -> str:
    """The type names the cloud reports for `Particle.variable` values."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int32"
    if isinstance(value, float):
        return "double"
    return "string"


def _variable_types(device: FakeDevice) -> dict[str, str]:
    """Callables are evaluated to learn their type; one that fails reports "string"."""
    types: dict[str, str] = {}
    for name in list(device.variables):
        try:
            types[name] = variable_type(device.read_variable(name))
        except Exception:
            types[name] = "string"
    return types


def reported_product_id(device: FakeDevice) -> int:
    """A quirk kept from the real cloud: a device outside any product reports its
    platform ID as `product_id`."""
    return device.product_id if device.product_id is not None else device.platform_id


def device_view(device: FakeDevice) -> dict[str, Any]:
    """One device as `GET /v1/devices/:id` (and its product and org forms) shows it: the
    list entry plus what only the detail has, above all `variables` and `functions`."""
    view = list_view(device)
    view.update(
        {
            "functions": list(device.functions),
            "variables": _variable_types(device),
            "firmware_updates_enabled": True,
            "firmware_updates_forced": device.firmware_updates_forced,
            "development": device.development,
            "quarantined": device.quarantined,
            "owner": device.owner,
        }
    )
    return view


def list_view(device: FakeDevice) -> dict[str, Any]:
    """One entry of a device listing, as the newest docs show it: no `variables` or
    `functions` (clients fetch each device for those, online or not), and the fleet
    fields (groups, firmware versions, development, quarantine, owner) only for product
    devices, which the product listing shows."""
    view: dict[str, Any] = {
        "id": device.id,
        "name": device.name,
        "last_app": None,
        "last_ip_address": device.last_ip_address,
        "last_heard": iso_ms(device.last_heard),
        "last_handshake_at": iso_ms(device.last_handshake_at),
        "product_id": reported_product_id(device),
        "online": device.online,
        "connected": device.online,
        "platform_id": device.platform_id,
        "cellular": device.cellular,
        "notes": device.notes,
        "status": "normal",
        "serial_number": device.serial_number,
        "system_firmware_version": device.system_firmware_version,
        "current_build_target": device.system_firmware_version,
        "default_build_target": device.system_firmware_version,
    }
    if device.cellular:
        view["iccid"] = device.iccid
    if device.product_id is not None:
        view["groups"] = list(device.groups)
        view["firmware_product_id"] = device.product_id
        view["firmware_version"] = device.firmware_version
        view["desired_firmware_version"] = device.desired_firmware_version
        view["targeted_firmware_release_version"] = device.desired_firmware_version
        view["development"] = device.development
        view["quarantined"] = device.quarantined
        view["denied"] = device.denied
        view["owner"] = device.owner
    return view


# -- listing ---------------------------------------------------------------------------

SORT_KEYS: dict[str, Callable[[FakeDevice], Any]] = {
    "deviceName": lambda d: d.name.lower(),
    "deviceId": lambda d: d.id,
    "firmwareVersion": lambda d: d.firmware_version or 0,
    "lastConnection": lambda d: d.last_heard,
}


def select_devices(ctx: Ctx, devices: Sequence[FakeDevice]) -> list[FakeDevice]:
    """The listing filters: partial ID/name/serial, any of `groups`, quarantine, sort."""
    chosen = list(devices)
    if device_id := ctx.query("deviceId"):
        chosen = [d for d in chosen if device_id.lower() in d.id]
    if name := ctx.query("deviceName"):
        chosen = [d for d in chosen if name.lower() in d.name.lower()]
    if serial := ctx.query("serialNumber"):
        chosen = [d for d in chosen if serial.lower() in d.serial_number.lower()]
    if groups := ctx.query("groups"):
        wanted = set(groups.split(","))
        chosen = [d for d in chosen if wanted & set(d.groups)]
    if (quarantined := ctx.query("quarantined")) is not None:
        chosen = [d for d in chosen if d.quarantined == as_bool(quarantined)]
    sort_key = SORT_KEYS.get(ctx.query("sortAttr") or "")
    if sort_key is not None:
        chosen.sort(key=sort_key, reverse=ctx.query("sortDir") == "desc")
    return chosen


def paginate(
    ctx: Ctx, items: list[FakeDevice], default_per_page: int
) -> tuple[list[FakeDevice], int]:
    """One page and the page count; the docs say `perPage`, the JS SDK sends `per_page`."""
    page = as_int(ctx.query("page") or 1, "page", minimum=1)
    per_page = as_int(ctx.query("perPage", "per_page") or default_per_page, "perPage", minimum=1)
    start = (page - 1) * per_page
    return items[start : start + per_page], math.ceil(len(items) / per_page)


async def list_devices(ctx: Ctx) -> Response:
    """A bare array; paged only when the caller asks for a page."""
    mine = [d for d in ctx.state.all_devices() if d.owner == ctx.user.username]
    chosen = select_devices(ctx, mine)
    if ctx.query("page", "perPage", "per_page") is not None:
        chosen, _ = paginate(ctx, chosen, default_per_page=25)
    return json_response([list_view(d) for d in chosen])


# -- operations shared with the product routes -----------------------------------------


def update_device(ctx: Ctx, device: FakeDevice, *, product_form: bool = False) -> Response:
    """`PUT` on a device: one route, several operations chosen by the fields sent."""
    with ctx.state.lock:
        changed = _apply_common(ctx.params, device)
        if product_form:
            changed.update(_apply_product(ctx.params, device))
    if not changed:
        raise fail(400, "Nothing to do?")
    return json_response({"id": device.id, **changed, "updated_at": iso_ms(utcnow())})


def _apply_common(params: Any, device: FakeDevice) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if "name" in params:
        name = str(params["name"] or "").strip()
        if not name:
            raise fail(400, "Device name cannot be empty")
        device.name = changed["name"] = name
    if "notes" in params:
        device.notes = changed["notes"] = None if params["notes"] is None else str(params["notes"])
    if "signal" in params:
        device.signaling = changed["signaling"] = as_bool(params["signal"])
        changed["connected"] = device.online
    if "development" in params:
        device.development = changed["development"] = as_bool(params["development"])
    if "firmware_updates_forced" in params:
        forced = as_bool(params["firmware_updates_forced"])
        device.firmware_updates_forced = changed["firmware_updates_forced"] = forced
    return changed


def _apply_product(params: Any, device: FakeDevice) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if "desired_firmware_version" in params:
        raw = params["desired_firmware_version"]
        version = None if raw is None else as_int(raw, "desired_firmware_version")
        device.desired_firmware_version = changed["desired_firmware_version"] = version
    if "groups" in params:
        raw = params["groups"]
        groups = [g for g in (raw.split(",") if isinstance(raw, str) else raw or []) if g]
        device.groups = [str(g) for g in groups]
        changed["groups"] = list(device.groups)
    if "quarantined" in params:
        device.quarantined = changed["quarantined"] = as_bool(params["quarantined"])
    if "flash" in params:
        changed["flash"] = as_bool(params["flash"])
    return changed


def _reachable(device: FakeDevice) -> None:
    """An offline device answers 404 `timed out`, as the getting-started docs show."""
    if not device.online:
        raise fail(404, "timed out")


def core_info(device: FakeDevice) -> dict[str, Any]:
    return {
        "last_app": "",
        "last_heard": iso_ms(device.last_heard),
        "connected": device.online,
        "last_handshake_at": iso_ms(device.last_handshake_at),
        "deviceID": device.id,
        "product_id": reported_product_id(device),
    }


def read_variable(ctx: Ctx, device: FakeDevice) -> Response:
    name = ctx.path("name")
    _reachable(device)
    if name not in device.variables:
        raise fail(404, f"Unknown Variable: {name}")
    try:
        value = device.read_variable(name)
    except TimeoutError:
        raise fail(408, "Timed out.") from None
    device.last_heard = utcnow()
    if ctx.query("format") == "raw":
        return PlainTextResponse(value if isinstance(value, str) else json.dumps(value))
    return json_response(
        {"cmd": "VarReturn", "name": name, "result": value, "coreInfo": core_info(device)}
    )


def call_function(ctx: Ctx, device: FakeDevice) -> Response:
    """The call is recorded in `device.calls` before it runs: a 408 means the device may
    have run it, which is exactly what clients must not retry blindly."""
    name = ctx.path("name")
    raw = ctx.param("arg", "args", default="")
    arg = raw if isinstance(raw, str) else json.dumps(raw)
    _reachable(device)
    handler = device.functions.get(name)
    if handler is None:
        raise fail(404, f"Function {name} not found")
    with ctx.state.lock:
        device.calls.append((name, arg))
    try:
        result = int(handler(arg))
    except TimeoutError:
        raise fail(408, "Timed out.") from None
    device.last_heard = utcnow()
    if ctx.param("format") == "raw":
        return PlainTextResponse(str(result))
    return json_response(
        {"id": device.id, "name": device.name, "connected": True, "return_value": result}
    )


def ping(device: FakeDevice) -> Response:
    return json_response({"online": device.online, "ok": True})


# -- user-scope routes -----------------------------------------------------------------


async def claim_device(ctx: Ctx) -> Response:
    key = ctx.param("id")
    if not key:
        raise fail(400, "You must specify a device id")
    device = ctx.state.find_device(str(key))
    if device is None:
        raise device_not_found()
    with ctx.state.lock:
        if device.owner not in (None, ctx.user.username):
            raise permission_denied()
        device.owner = ctx.user.username
    return json_response(
        {"ok": True, "user_id": ctx.user.id, "id": device.id, "connected": device.online}
    )


async def unclaim_device(ctx: Ctx) -> Response:
    device = resolve_device(ctx, ctx.path("deviceId"))
    with ctx.state.lock:
        if device.owner != ctx.user.username:
            raise permission_denied()
        device.owner = None
    return json_response({"ok": True})


async def get_device(ctx: Ctx) -> Response:
    return json_response(device_view(resolve_device(ctx, ctx.path("deviceId"))))


async def put_device(ctx: Ctx) -> Response:
    device = resolve_device(ctx, ctx.path("deviceId"))
    if is_multipart(ctx):  # a multipart PUT is a flash
        return await build_firmware.flash(ctx, device)
    return update_device(ctx, device)


async def ping_device(ctx: Ctx) -> Response:
    return ping(resolve_device(ctx, ctx.path("deviceId")))


async def get_variable(ctx: Ctx) -> Response:
    return read_variable(ctx, resolve_device(ctx, ctx.path("deviceId")))


async def post_function(ctx: Ctx) -> Response:
    return call_function(ctx, resolve_device(ctx, ctx.path("deviceId")))


routes: list[Route] = [
    api("/v1/devices", list_devices, "GET"),
    api("/v1/devices/{deviceId}", get_device, "GET"),
    api("/v1/devices/{deviceId}", put_device, "PUT"),
    api("/v1/devices/{deviceId}", unclaim_device, "DELETE"),
    api("/v1/devices/{deviceId}/ping", ping_device, "PUT"),
    api("/v1/devices/{deviceId}/{name}", get_variable, "GET"),
    api("/v1/devices/{deviceId}/{name}", post_function, "POST"),
]
