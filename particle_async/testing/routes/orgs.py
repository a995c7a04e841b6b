"""Organisations: listing, details, their products and their devices. `:org` is an ID
or a slug.

The org-scoped team and secrets routes live in `accounts_team` and `accounts_secrets`."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import product_view, resolve_org, resolve_org_device
from .._state import FakeOrg
from .._wire import Ctx, api, json_response
from .devices import device_view


def org_view(org: FakeOrg) -> dict[str, Any]:
    return {"id": org.id, "slug": org.slug, "name": org.name}


async def list_orgs(ctx: Ctx) -> Response:
    mine = [o for o in ctx.state.all_orgs() if ctx.user.username in o.members]
    return json_response({"organizations": [org_view(o) for o in mine]})


async def get_org(ctx: Ctx) -> Response:
    return json_response({"organization": org_view(resolve_org(ctx, ctx.path("org")))})


async def list_org_products(ctx: Ctx) -> Response:
    org = resolve_org(ctx, ctx.path("org"))
    owned = [p for p in ctx.state.all_products() if p.org == org.slug]
    views = [{**product_view(ctx.state, p), "organization": org.id} for p in owned]
    return json_response({"products": views})


async def get_org_device(ctx: Ctx) -> Response:
    """A device of one of the organisation's products (the org form of `deviceUri`)."""
    return json_response(device_view(resolve_org_device(ctx)[1]))


routes: list[Route] = [
    api("/v1/orgs", list_orgs, "GET"),
    api("/v1/orgs/{org}", get_org, "GET"),
    api("/v1/orgs/{org}/products", list_org_products, "GET"),
    api("/v1/orgs/{org}/devices/{deviceId}", get_org_device, "GET"),
]
