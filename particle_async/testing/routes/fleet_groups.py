"""Device groups of a product: create, list, get, rename, delete, batch membership, and
the OTA impact preview of releasing firmware to groups.

A device's groups live on the device (`FakeDevice.groups`, set by the product device
`PUT`, which creates unknown groups); this module keeps each group's description and
color, and adopts any group it finds on a device so both sides always agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_product
from .._state import CloudState, FakeDevice, FakeProduct
from .._wire import Ctx, api, as_bool, as_int, fail, json_response

GROUP_NAME = re.compile(r"^[a-z0-9_-]+$")


@dataclass
class GroupRecord:
    name: str
    description: str | None = None
    color: str | None = None


@dataclass
class GroupsState:
    """Groups per product ID, by name."""

    groups: dict[int, dict[str, GroupRecord]] = field(default_factory=dict)


def groups_of(state: CloudState, product: FakeProduct) -> dict[str, GroupRecord]:
    """The product's groups, adopting those only devices know about. Call under the lock."""
    store = state.area(GroupsState).groups.setdefault(product.id, {})
    for device in members(state, product):
        for name in device.groups:
            store.setdefault(name, GroupRecord(name))
    return store


def members(state: CloudState, product: FakeProduct) -> list[FakeDevice]:
    return [d for d in state.all_devices() if d.product_id == product.id]


def group_view(state: CloudState, product: FakeProduct, group: GroupRecord) -> dict[str, Any]:
    count = sum(group.name in d.groups for d in members(state, product))
    return {
        "name": group.name,
        "description": group.description,
        "color": group.color,
        "fw_version": None,  # no firmware released to groups in this fake
        "device_count": count,
    }


def valid_name(raw: Any) -> str:
    name = str(raw or "").strip()
    if not GROUP_NAME.match(name):
        raise fail(400, "Group name must be lowercase letters, numbers, dashes or underscores")
    return name


def find_group(ctx: Ctx, product: FakeProduct) -> GroupRecord:
    group = groups_of(ctx.state, product).get(ctx.path("groupName"))
    if group is None:
        raise fail(404, "Group not found")
    return group


async def list_groups(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    wanted = (ctx.query("name") or "").lower()
    with ctx.state.lock:
        found = [g for n, g in sorted(groups_of(ctx.state, product).items()) if wanted in n]
        views = [group_view(ctx.state, product, g) for g in found]
    return json_response({"groups": views})


async def create_group(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    name = valid_name(ctx.param("name"))
    with ctx.state.lock:
        store = groups_of(ctx.state, product)
        if name in store:
            raise fail(400, f"Group {name} already exists")
        group = store[name] = GroupRecord(
            name, description=ctx.param("description"), color=ctx.param("color")
        )
        view = group_view(ctx.state, product, group)
    return json_response({"group": view}, status=201)


async def get_group(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    with ctx.state.lock:
        view = group_view(ctx.state, product, find_group(ctx, product))
    return json_response({"group": view})


async def update_group(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    if not any(k in ctx.params for k in ("name", "color", "description")):
        raise fail(400, "Provide at least one of name, color or description")
    with ctx.state.lock:
        store = groups_of(ctx.state, product)
        group = find_group(ctx, product)
        if "name" in ctx.params and ctx.params["name"] != group.name:
            new_name = valid_name(ctx.params["name"])
            if new_name in store:
                raise fail(400, f"Group {new_name} already exists")
            for device in members(ctx.state, product):
                device.groups = [new_name if g == group.name else g for g in device.groups]
            del store[group.name]
            group.name = new_name
            store[new_name] = group
        group.color = ctx.params.get("color", group.color)
        group.description = ctx.params.get("description", group.description)
        view = group_view(ctx.state, product, group)
    return json_response({"group": view})


async def delete_group(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    with ctx.state.lock:
        group = find_group(ctx, product)
        for device in members(ctx.state, product):
            device.groups = [g for g in device.groups if g != group.name]
        del groups_of(ctx.state, product)[group.name]
    return Response(status_code=204)


def _names(raw: Any) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    return [valid_name(item) for item in items if str(item).strip()]


async def batch_update(ctx: Ctx) -> Response:
    """`PUT /v1/products/:product/devices {action: "groups", devices, metadata}`."""
    product = resolve_product(ctx, ctx.path("product"))
    if ctx.param("action") != "groups":
        raise fail(400, "Unsupported action; expected groups")
    metadata = ctx.param("metadata") or {}
    if not isinstance(metadata, dict):
        raise fail(400, "metadata must be an object with add and/or remove")
    add, remove = _names(metadata.get("add")), _names(metadata.get("remove"))
    wanted = {str(d).lower() for d in ctx.param("devices") or []}
    with ctx.state.lock:
        store = groups_of(ctx.state, product)
        for name in add:
            store.setdefault(name, GroupRecord(name))
        for device in members(ctx.state, product):
            if device.id in wanted:
                kept = [g for g in device.groups if g not in remove]
                device.groups = kept + [g for g in add if g not in kept]
    return json_response({"ok": True})


async def impact(ctx: Ctx) -> Response:
    """Which devices would be flashed if `firmware_version` were released to `groups`
    (or as the product default): not development, not locked, not already on it."""
    product = resolve_product(ctx, ctx.path("product"))
    if ctx.query("action") != "edit_groups_for_firmware":
        raise fail(400, "Unsupported action; expected edit_groups_for_firmware")
    version = as_int(ctx.query("firmware_version"), "firmware_version", minimum=1)
    groups = set(filter(None, (ctx.query("groups") or "").split(",")))
    everyone = as_bool(ctx.query("product_default") or False)
    with ctx.state.lock:
        targets = [
            d
            for d in members(ctx.state, product)
            if not d.development
            and d.desired_firmware_version is None
            and d.firmware_version != version
            and (everyone or groups & set(d.groups))
        ]
    by_version = [{"version": version, "total": len(targets)}] if targets else []
    return json_response(
        {"devices": {"firmware_update": {"total": len(targets), "by_version": by_version}}}
    )


GROUPS = "/v1/products/{product}/groups"

routes: list[Route] = [
    api(GROUPS, list_groups, "GET"),
    api(GROUPS, create_group, "POST"),
    api(GROUPS + "/{groupName}", get_group, "GET"),
    api(GROUPS + "/{groupName}", update_group, "PUT"),
    api(GROUPS + "/{groupName}", delete_group, "DELETE"),
    api("/v1/products/{product}/devices", batch_update, "PUT"),
    api("/v1/products/{product}/impact", impact, "GET"),
]
