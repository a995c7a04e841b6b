"""Ledger instances (a ledger's data for one scope value) and their versions, for the
sandbox, organizations and products like the definitions in `build_ledger`.

The docs name the instance body `data`, the SDKs send `{instance: {data}}`: both are
accepted. Every write keeps the state it replaced as a version, stamped `replaced_at`
strictly later than the previous one; versions page back in time by `replaced_before`,
`versions_page_size` (10) at a time, with only `meta.has_more`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import can_access
from .._state import iso_ms, utcnow
from .._wire import Ctx, fail, json_response
from .build_ledger import (
    LEDGER,
    Definition,
    Instance,
    Owner,
    owner_routes,
    paged,
    resolve_ledger,
    store,
)

MAX_DATA = 16 * 1024  # bytes of JSON per instance
INSTANCE = LEDGER + "/instances/{scopeValue}"


def parse_time(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise fail(400, f"{name} must be an ISO 8601 date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def instance_view(ctx: Ctx, owner: Owner, ledger: Definition, inst: Instance) -> dict[str, Any]:
    scope: dict[str, Any] = {"type": ledger.scope, "value": inst.scope_value}
    name = _scope_name(ctx, owner, ledger.scope, inst.scope_value)
    if name is not None:
        scope["name"] = name
    view = {
        "name": ledger.name,
        "scope": scope,
        "size_bytes": _size(inst.data),
        "data": inst.data,
        "created_at": iso_ms(inst.created_at),
        "updated_at": iso_ms(inst.updated_at),
        "version": inst.version,
    }
    if inst.replaced_at is not None:
        view["replaced_at"] = iso_ms(inst.replaced_at)
    return view


def _scope_name(ctx: Ctx, owner: Owner, scope: str, value: str) -> str | None:
    """The name of the owner, product or device a scope value names, if the caller may
    see it (the docs show it only for some instances)."""
    user = ctx.user.username
    if scope == "Owner":
        return owner.name if value == owner.id else None
    if scope == "Product":
        product = ctx.state.find_product(value)
        return product.name if product and user in product.members else None
    device = ctx.state.find_device(value)
    return device.name if device and can_access(ctx.state, user, device) else None


def _size(data: Any) -> int:
    return len(json.dumps(data, separators=(",", ":")).encode())


def _instance(ctx: Ctx) -> tuple[Owner, Definition, Instance]:
    owner, ledger = resolve_ledger(ctx)
    inst = ledger.instances.get(ctx.path("scopeValue"))
    if inst is None:
        raise fail(404, f"Ledger instance {ctx.path('scopeValue')} not found")
    return owner, ledger, inst


def _retire(ledger: Definition, inst: Instance) -> None:
    """Keep `inst` as a version, replaced now (strictly after the previous version, so
    `replaced_before` cursors never skip one)."""
    history = ledger.versions.setdefault(inst.scope_value, [])
    now = utcnow()
    moment = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the wire's precision
    last = history[-1].replaced_at if history else None
    if last is not None and moment <= last:
        moment = last + timedelta(milliseconds=1)
    history.append(replace(inst, replaced_at=moment))


async def get_instance(ctx: Ctx) -> Response:
    owner, ledger, inst = _instance(ctx)
    return json_response({"instance": instance_view(ctx, owner, ledger, inst)})


async def set_instance(ctx: Ctx) -> Response:
    """`set_mode=Replace` (default) or `Merge` (top-level keys) in the query; 201 `{instance}`."""
    owner, ledger = resolve_ledger(ctx)
    wrapped = ctx.param("instance", default=None)
    data = wrapped.get("data") if isinstance(wrapped, dict) else ctx.param("data")
    if not isinstance(data, dict):
        raise fail(400, "The body must hold the instance data (`instance.data` or `data`)")
    mode = ctx.query("set_mode") or "Replace"
    if mode not in ("Replace", "Merge"):
        raise fail(400, "set_mode must be Replace or Merge")
    if ledger.archived_at is not None:
        raise fail(400, f"Ledger {ledger.name} is archived")
    scope_value, now = ctx.path("scopeValue"), utcnow()
    with ctx.state.lock:
        old = ledger.instances.get(scope_value)
        merged = {**(old.data if old else {}), **data} if mode == "Merge" else dict(data)
        if _size(merged) > MAX_DATA:
            raise fail(400, f"Ledger data is limited to {MAX_DATA} bytes")
        if old is not None:
            _retire(ledger, old)
        inst = Instance(scope_value, merged, old.created_at if old else now, now)
        ledger.instances[scope_value] = inst
    return json_response({"instance": instance_view(ctx, owner, ledger, inst)}, status=201)


async def delete_instance(ctx: Ctx) -> Response:
    _, ledger, inst = _instance(ctx)
    with ctx.state.lock:
        _retire(ledger, inst)
        ledger.instances.pop(inst.scope_value, None)
    return Response(status_code=204)


async def list_instances(ctx: Ctx) -> Response:
    owner, ledger = resolve_ledger(ctx)
    with ctx.state.lock:
        found = sorted(ledger.instances.values(), key=lambda inst: inst.scope_value)
    page, meta = paged(ctx, found)
    views = [instance_view(ctx, owner, ledger, inst) for inst in page]
    return json_response({"instances": views, "meta": meta})


async def list_versions(ctx: Ctx) -> Response:
    """Newest first within `replaced_after` < replaced_at < `replaced_before`;
    `meta.has_more` when older ones did not fit on this page."""
    owner, ledger = resolve_ledger(ctx)
    before, after = ctx.query("replaced_before"), ctx.query("replaced_after")
    upper = parse_time(before, "replaced_before") if before else None
    lower = parse_time(after, "replaced_after") if after else None
    with ctx.state.lock:
        history = list(ledger.versions.get(ctx.path("scopeValue"), []))
        size = store(ctx).versions_page_size
    if not history and ctx.path("scopeValue") not in ledger.instances:
        raise fail(404, f"Ledger instance {ctx.path('scopeValue')} not found")
    window = [
        v
        for v in reversed(history)
        if v.replaced_at is not None
        and (upper is None or v.replaced_at < upper)
        and (lower is None or v.replaced_at > lower)
    ]
    views = [instance_view(ctx, owner, ledger, v) for v in window[:size]]
    return json_response({"versions": views, "meta": {"has_more": len(window) > size}})


async def get_version(ctx: Ctx) -> Response:
    owner, ledger = resolve_ledger(ctx)
    with ctx.state.lock:
        history = ledger.versions.get(ctx.path("scopeValue"), [])
        found = next((v for v in history if v.version == ctx.path("version")), None)
    if found is None:
        raise fail(404, f"Ledger instance version {ctx.path('version')} not found")
    return json_response({"instance": instance_view(ctx, owner, ledger, found)})


routes: list[Route] = [
    *owner_routes(LEDGER + "/instances", list_instances, "GET"),
    *owner_routes(INSTANCE, get_instance, "GET"),
    *owner_routes(INSTANCE, set_instance, "PUT"),
    *owner_routes(INSTANCE, delete_instance, "DELETE"),
    *owner_routes(INSTANCE + "/versions", list_versions, "GET"),
    *owner_routes(INSTANCE + "/versions/{version}", get_version, "GET"),
]
