"""Environment variables of a sandbox (`/v1/env`), a device (`/v1/env/:deviceId`), a
product or an organization, with inheritance, snapshots and rollouts.

Each scope has its own variables (`latest.own`) and inherits its parents' effective
values: a product device from its product ("Product") and the product's organization
("Owner"), a device outside any product from its owner's sandbox ("Owner"), a product
from its organization. Edits change `latest`; a rollout copies `latest` into
`last_snapshot` and, with `when=Immediate`, delivers each affected online device its
rendered values (`on_device`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_device, resolve_org, resolve_product
from .._state import FakeDevice, iso_ms, utcnow
from .._wire import Ctx, Handler, api, fail, json_response

MAX_OPS = 50
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass
class Snapshot:
    own: dict[str, str]
    inherited: dict[str, tuple[str, str]]  # key -> (from, value)
    at: datetime
    by: str


@dataclass
class Layer:
    """One scope's variables."""

    own: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None
    updated_by: str | None = None
    snapshot: Snapshot | None = None
    on_device: tuple[dict[str, str], datetime] | None = None  # device scopes only


@dataclass
class EnvState:
    layers: dict[str, Layer] = field(default_factory=dict)  # "user:", "device:", ... keys


def layer(ctx: Ctx, key: str) -> Layer:
    with ctx.state.lock:
        return ctx.state.area(EnvState).layers.setdefault(key, Layer())


# -- scopes and inheritance --------------------------------------------------------------


def parents(ctx: Ctx, key: str) -> list[tuple[str, str]]:
    """(scope key, label) of the scopes `key` inherits from, nearest first."""
    kind, _, name = key.partition(":")
    if kind == "device":
        device = ctx.state.find_device(name)
        if device is None:
            return []
        if device.product_id is not None:
            above = parents(ctx, f"product:{device.product_id}")
            return [(f"product:{device.product_id}", "Product"), *above]
        return [(f"user:{device.owner}", "Owner")] if device.owner else []
    if kind == "product":
        product = ctx.state.products.get(int(name))
        org = ctx.state.find_org(product.org) if product and product.org else None
        return [(f"org:{org.id}", "Owner")] if org else []
    return []


def inherited(ctx: Ctx, key: str) -> dict[str, tuple[str, str]]:
    """key -> (from, value): the nearest parent defining a key wins."""
    found: dict[str, tuple[str, str]] = {}
    for parent, label in reversed(parents(ctx, key)):
        found.update({k: (label, v) for k, v in layer(ctx, parent).own.items()})
    return found


def effective(ctx: Ctx, key: str) -> dict[str, str]:
    merged = {k: value for k, (_, value) in inherited(ctx, key).items()}
    merged.update(layer(ctx, key).own)
    return merged


def scope_key(ctx: Ctx) -> str:
    params = ctx.request.path_params
    if "deviceId" in params:
        return f"device:{resolve_device(ctx, ctx.path('deviceId')).id}"
    if "product" in params:
        return f"product:{resolve_product(ctx, ctx.path('product')).id}"
    if "org" in params:
        return f"org:{resolve_org(ctx, ctx.path('org')).id}"
    return f"user:{ctx.user.username}"


# -- views -------------------------------------------------------------------------------


def _time(moment: datetime | None) -> str | None:
    return iso_ms(moment) if moment else None


def _inherited_view(values: dict[str, tuple[str, str]]) -> dict[str, Any]:
    return {k: {"from": label, "value": value} for k, (label, value) in sorted(values.items())}


def state_view(ctx: Ctx, key: str) -> dict[str, Any]:
    with ctx.state.lock:
        own = layer(ctx, key)
        view: dict[str, Any] = {
            "latest": {
                "own": {k: {"value": v} for k, v in sorted(own.own.items())},
                "inherited": _inherited_view(inherited(ctx, key)),
                "created_at": _time(own.created_at),
                "updated_at": _time(own.updated_at),
                "created_by": own.created_by,
                "updated_by": own.updated_by,
            },
            "last_snapshot": None,
        }
        if own.snapshot is not None:
            view["last_snapshot"] = {
                "own": {k: {"value": v} for k, v in sorted(own.snapshot.own.items())},
                "inherited": _inherited_view(own.snapshot.inherited),
                "rollout_at": iso_ms(own.snapshot.at),
                "rollout_by": own.snapshot.by,
            }
        if key.startswith("device:") and own.on_device is not None:
            rendered, reported = own.on_device
            view["on_device"] = {"rendered": dict(rendered), "last_reported_at": iso_ms(reported)}
    return view


# -- edits -------------------------------------------------------------------------------


def apply(ctx: Ctx, key: str, ops: list[tuple[str, str, str | None]]) -> Response:
    """Apply (op, key, value) edits to a scope's `latest`; answer the scope's state."""
    now, who = utcnow(), ctx.user.username
    with ctx.state.lock:
        target = layer(ctx, key)
        for op, name, value in ops:
            if op == "Set":
                target.own[name] = "" if value is None else value
            else:
                target.own.pop(name, None)
        target.created_at = target.created_at or now
        target.created_by = target.created_by or who
        target.updated_at, target.updated_by = now, who
    return json_response(state_view(ctx, key))


def _checked_key(name: Any) -> str:
    if not isinstance(name, str) or not KEY.match(name):
        raise fail(400, f"Invalid environment variable name {name!r}")
    return name


async def list_env(ctx: Ctx) -> Response:
    return json_response(state_view(ctx, scope_key(ctx)))


async def update_env(ctx: Ctx) -> Response:
    """`{ops: [{op: Set|Unset, key, value?}]}`, at most 50, applied in order."""
    key, raw = scope_key(ctx), ctx.param("ops")
    if not isinstance(raw, list) or not raw:
        raise fail(400, "ops must be a non-empty list")
    if len(raw) > MAX_OPS:
        raise fail(400, f"At most {MAX_OPS} operations per request")
    ops: list[tuple[str, str, str | None]] = []
    for item in raw:
        op = item.get("op") if isinstance(item, dict) else None
        if op not in ("Set", "Unset"):
            raise fail(400, "Each op must be Set or Unset")
        value = item.get("value")
        if op == "Set" and not isinstance(value, str):
            raise fail(400, "A Set op needs a string value")
        ops.append((op, _checked_key(item.get("key")), value))
    return apply(ctx, key, ops)


async def set_env(ctx: Ctx) -> Response:
    key, value = scope_key(ctx), ctx.param("value")
    if not isinstance(value, str):
        raise fail(400, "value must be a string")
    return apply(ctx, key, [("Set", _checked_key(ctx.path("key")), value)])


async def delete_env(ctx: Ctx) -> Response:
    key, name = scope_key(ctx), ctx.path("key")
    if name not in layer(ctx, key).own:
        raise fail(404, f"Environment variable {name} not found")
    return apply(ctx, key, [("Unset", name, None)])


# -- render and rollout ------------------------------------------------------------------


async def render_env(ctx: Ctx) -> Response:
    """The flattened values a device in this scope gets from `latest`."""
    key = scope_key(ctx)
    with ctx.state.lock:
        own = layer(ctx, key)
        snapshot = own.snapshot
        return json_response(
            {
                "env": dict(sorted(effective(ctx, key).items())),
                "last_updated_at": _time(own.updated_at),
                "rollout_at": iso_ms(snapshot.at) if snapshot else None,
                "rollout_by": snapshot.by if snapshot else None,
            }
        )


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, Any]:
    changes: list[dict[str, Any]] = []
    for name in sorted(before.keys() | after.keys()):
        if name not in before:
            changes.append({"op": "Added", "key": name, "after": after[name]})
        elif name not in after:
            changes.append({"op": "Removed", "key": name, "before": before[name]})
        elif before[name] != after[name]:
            changes.append(
                {"op": "Changed", "key": name, "before": before[name], "after": after[name]}
            )
    unchanged = {k: v for k, v in sorted(after.items()) if before.get(k) == v}
    return {"changes": changes, "unchanged": unchanged}


def _snapshot_values(snapshot: Snapshot | None) -> dict[str, str]:
    if snapshot is None:
        return {}
    values = {k: value for k, (_, value) in snapshot.inherited.items()}
    values.update(snapshot.own)
    return values


async def review_rollout(ctx: Ctx) -> Response:
    """`from_snapshot`: `latest` against the last rollout; `from_device` (device scope):
    against what the device last reported."""
    key = scope_key(ctx)
    with ctx.state.lock:
        own, target = layer(ctx, key), effective(ctx, key)
        body: dict[str, Any] = {"from_snapshot": diff(_snapshot_values(own.snapshot), target)}
        if key.startswith("device:"):
            body["from_device"] = diff(own.on_device[0] if own.on_device else {}, target)
    return json_response(body)


def affected(ctx: Ctx, key: str) -> list[FakeDevice]:
    """The devices a rollout of scope `key` reaches."""
    kind, _, name = key.partition(":")
    devices = ctx.state.all_devices()
    if kind == "device":
        return [d for d in devices if d.id == name]
    if kind == "product":
        return [d for d in devices if str(d.product_id) == name]
    if kind == "org":
        org = ctx.state.find_org(name)
        products = {p.id for p in ctx.state.all_products() if org and p.org == org.slug}
        return [d for d in devices if d.product_id in products]
    return [d for d in devices if d.owner == name and d.product_id is None]


async def start_rollout(ctx: Ctx) -> Response:
    """`{when: Immediate|Connect}`: snapshot `latest`; Immediate also delivers to the
    affected online devices at once. `{success: true}`."""
    key, when = scope_key(ctx), ctx.param("when")
    if when not in ("Immediate", "Connect"):
        raise fail(400, "when must be Immediate or Connect")
    now = utcnow()
    with ctx.state.lock:
        own = layer(ctx, key)
        own.snapshot = Snapshot(dict(own.own), inherited(ctx, key), now, ctx.user.username)
        if when == "Immediate":
            for device in affected(ctx, key):
                if device.online:
                    target = layer(ctx, f"device:{device.id}")
                    target.on_device = (effective(ctx, f"device:{device.id}"), now)
    return json_response({"success": True})


def scoped_routes(tail: str, handler: Handler, method: str) -> list[Route]:
    """Sandbox, product and org forms; the device form is listed separately because
    `/v1/env/:deviceId` would otherwise swallow the sandbox's `/v1/env/render`."""
    return [
        api("/v1/env" + tail, handler, method),
        api("/v1/products/{product}/env" + tail, handler, method),
        api("/v1/orgs/{org}/env" + tail, handler, method),
    ]


DEVICE = "/v1/env/{deviceId}"

routes: list[Route] = [
    *scoped_routes("", list_env, "GET"),
    *scoped_routes("", update_env, "PATCH"),
    *scoped_routes("/render", render_env, "GET"),
    *scoped_routes("/rollout", review_rollout, "GET"),
    *scoped_routes("/rollout", start_rollout, "POST"),
    *scoped_routes("/{key}", set_env, "PUT"),
    *scoped_routes("/{key}", delete_env, "DELETE"),
    api(DEVICE, list_env, "GET"),
    api(DEVICE, update_env, "PATCH"),
    api(DEVICE + "/render", render_env, "GET"),
    api(DEVICE + "/rollout", review_rollout, "GET"),
    api(DEVICE + "/rollout", start_rollout, "POST"),
    api(DEVICE + "/{key}", set_env, "PUT"),
    api(DEVICE + "/{key}", delete_env, "DELETE"),
]
