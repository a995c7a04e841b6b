"""Ledger definitions, and the state of every ledger (instances and versions are served
by `build_ledger_instances`).

Every route exists in the caller's sandbox (`/v1/ledgers`), an organization's
(`/v1/orgs/:org/ledgers`) and, as the docs also show, a product's
(`/v1/products/:product/ledgers`): `owner_of` resolves that owner (404/403 as for orgs
and products) and `owner_routes` declares the three forms; the logic routes share both.
The docs name the definition body `definition`, the SDKs send `{ledger: {...}}`: both are
accepted. Lists are `{ledgers, meta: {page, per_page, total_pages, total}}`.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_org, resolve_product
from .._state import iso_ms, utcnow
from .._wire import Ctx, Handler, api, as_bool, as_int, fail, json_response

SCOPES = ("Owner", "Product", "Device")
DIRECTIONS = ("Upstream", "Downstream")
DEFAULT_PER_PAGE = 100


@dataclass(frozen=True)
class Owner:
    """Whose resources a request is about: `key` is "user:<name>", "org:<id>" or
    "product:<id>"; `id` and `name` are what scope values and views show."""

    key: str
    id: str
    name: str


def owner_of(ctx: Ctx) -> Owner:
    """The sandbox, or the org / product named in the path (which must be the caller's)."""
    params = ctx.request.path_params
    if "org" in params:
        org = resolve_org(ctx, ctx.path("org"))
        return Owner(f"org:{org.id}", org.id, org.name)
    if "product" in params:
        product = resolve_product(ctx, ctx.path("product"))
        return Owner(f"product:{product.id}", str(product.id), product.name)
    return Owner(f"user:{ctx.user.username}", ctx.user.id, ctx.user.username)


def paged(ctx: Ctx, items: list[Any], default: int = DEFAULT_PER_PAGE) -> tuple[list[Any], Any]:
    """One page and its `meta`; the SDKs send `per_page`, the docs say `perPage`."""
    page = as_int(ctx.query("page") or 1, "page", minimum=1)
    per_page = as_int(ctx.query("per_page", "perPage") or default, "per_page", minimum=1)
    meta = {
        "page": page,
        "per_page": per_page,
        "total_pages": math.ceil(len(items) / per_page),
        "total": len(items),
    }
    return items[(page - 1) * per_page : page * per_page], meta


def owner_routes(path: str, handler: Handler, method: str) -> list[Route]:
    """The sandbox route and its organization and product twins."""
    return [
        api("/v1" + path, handler, method),
        api("/v1/orgs/{org}" + path, handler, method),
        api("/v1/products/{product}" + path, handler, method),
    ]


# -- state -------------------------------------------------------------------------------


@dataclass
class Instance:
    scope_value: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    version: str = field(default_factory=lambda: secrets.token_hex(12))
    replaced_at: datetime | None = None


@dataclass
class Definition:
    name: str
    scope: str
    direction: str
    description: str
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    archived_at: datetime | None = None
    instances: dict[str, Instance] = field(default_factory=dict)
    versions: dict[str, list[Instance]] = field(default_factory=dict)  # newest last


@dataclass
class LedgerState:
    ledgers: dict[str, dict[str, Definition]] = field(default_factory=dict)  # owner key, name
    versions_page_size: int = 10


def store(ctx: Ctx) -> LedgerState:
    return ctx.state.area(LedgerState)


def ledgers_of(ctx: Ctx, owner: Owner) -> dict[str, Definition]:
    with ctx.state.lock:
        return store(ctx).ledgers.setdefault(owner.key, {})


def resolve_ledger(ctx: Ctx) -> tuple[Owner, Definition]:
    owner = owner_of(ctx)
    ledger = ledgers_of(ctx, owner).get(ctx.path("ledgerName"))
    if ledger is None:
        raise fail(404, f"Ledger {ctx.path('ledgerName')} not found")
    return owner, ledger


# -- views -------------------------------------------------------------------------------


def definition_view(ledger: Definition) -> dict[str, Any]:
    return {
        "name": ledger.name,
        "scope": ledger.scope,
        "direction": ledger.direction,
        "description": ledger.description,
        "created_at": iso_ms(ledger.created_at),
        "updated_at": iso_ms(ledger.updated_at),
        "archived_at": iso_ms(ledger.archived_at) if ledger.archived_at else None,
    }


# -- definitions -------------------------------------------------------------------------


def _definition_body(ctx: Ctx) -> dict[str, Any]:
    body = ctx.param("ledger", "definition", default=None)
    if not isinstance(body, dict):
        raise fail(400, "The body must hold the ledger definition (`ledger` or `definition`)")
    return body


def _checked(body: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = body.get(key)
    if value not in allowed:
        raise fail(400, f"{key} must be one of {', '.join(allowed)}")
    return str(value)


async def create_ledger(ctx: Ctx) -> Response:
    """201 `{ledger}`. Names are lowercase letters, digits and dashes."""
    owner, body = owner_of(ctx), _definition_body(ctx)
    name = str(body.get("name") or "")
    if not name or not all(c.islower() or c.isdigit() or c == "-" for c in name):
        raise fail(400, "name must be lowercase letters, digits and dashes")
    ledger = Definition(
        name=name,
        scope=_checked(body, "scope", SCOPES),
        direction=_checked(body, "direction", DIRECTIONS),
        description=str(body.get("description") or ""),
    )
    with ctx.state.lock:
        ledgers = ledgers_of(ctx, owner)
        if name in ledgers:
            raise fail(400, f"Ledger {name} already exists")
        ledgers[name] = ledger
    return json_response({"ledger": definition_view(ledger)}, status=201)


async def get_ledger(ctx: Ctx) -> Response:
    return json_response({"ledger": definition_view(resolve_ledger(ctx)[1])})


async def update_ledger(ctx: Ctx) -> Response:
    """Only `description` and `direction` change; the docs answer 201 `{ledger}`."""
    _, ledger = resolve_ledger(ctx)
    body = _definition_body(ctx)
    with ctx.state.lock:
        if "direction" in body:
            ledger.direction = _checked(body, "direction", DIRECTIONS)
        if "description" in body:
            ledger.description = str(body["description"] or "")
        ledger.updated_at = utcnow()
    return json_response({"ledger": definition_view(ledger)}, status=201)


async def archive_ledger(ctx: Ctx) -> Response:
    _, ledger = resolve_ledger(ctx)
    with ctx.state.lock:
        ledger.archived_at = ledger.archived_at or utcnow()
    return Response(status_code=204)


async def list_ledgers(ctx: Ctx) -> Response:
    """`{ledgers, meta}`; `archived=true` lists the archived ones instead."""
    owner = owner_of(ctx)
    archived = as_bool(ctx.query("archived") or "false")
    scope = ctx.query("scope")
    with ctx.state.lock:
        found = [
            ledger
            for ledger in ledgers_of(ctx, owner).values()
            if (ledger.archived_at is not None) == archived and scope in (None, ledger.scope)
        ]
    page, meta = paged(ctx, sorted(found, key=lambda ledger: ledger.name))
    return json_response({"ledgers": [definition_view(ledger) for ledger in page], "meta": meta})


LEDGER = "/ledgers/{ledgerName}"

routes: list[Route] = [
    *owner_routes("/ledgers", list_ledgers, "GET"),
    *owner_routes("/ledgers", create_ledger, "POST"),
    *owner_routes(LEDGER, get_ledger, "GET"),
    *owner_routes(LEDGER, update_ledger, "PUT"),
    *owner_routes(LEDGER, archive_ledger, "DELETE"),
]
