"""Organisations: listing, details and their products. `:org` is an ID or a slug.

The org-scoped team and secrets routes live in `accounts_team` and `accounts_secrets`."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._app import Ctx, api, fail, json_response, permission_denied
from .._state import FakeOrg
from .products import product_view


def resolve_org(ctx: Ctx, key: str) -> FakeOrg:
    org = ctx.state.find_org(key)
    if org is None:
        raise fail(404, "Organization not found.")
    if ctx.user.username not in org.members:
        raise permission_denied()
    return org


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


routes: list[Route] = [
    api("/v1/orgs", list_orgs, "GET"),
    api("/v1/orgs/{org}", get_org, "GET"),
    api("/v1/orgs/{org}/products", list_org_products, "GET"),
]
