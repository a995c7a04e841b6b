"""OAuth clients of the account (`/v1/clients`) or of a product
(`/v1/products/:product/clients`).

A client made here is a real `OAuthClient` of the cloud: `/oauth/token` accepts it with
the grants of its type (`installed`: password, refresh and client credentials; `web`:
authorization code, refresh and client credentials, never a password), its
`client_credentials` tokens act for the user who made it, and a product client can create
the product's customers and their tokens (see `accounts_customers`). Its secret is in the
answer that creates it, and never again.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_product
from .._state import CloudState, FakeProduct, OAuthClient, new_token
from .._wire import Ctx, api, fail, json_response

CLIENT_TYPES = ("installed", "web")


@dataclass
class ClientInfo:
    """What `OAuthClient` does not hold: the name, type and scope given at creation."""

    name: str
    type: str
    redirect_uri: str | None = None
    scope: str | None = None


@dataclass
class ClientsArea:
    clients: dict[str, ClientInfo] = field(default_factory=dict)  # by client ID


def area(state: CloudState) -> ClientsArea:
    return state.area(ClientsArea)


def client_view(state: CloudState, client: OAuthClient, secret: bool = False) -> dict[str, Any]:
    info = area(state).clients.get(client.id) or ClientInfo(name=client.id, type="installed")
    view: dict[str, Any] = {"name": info.name, "type": info.type, "id": client.id}
    if secret:
        view["secret"] = client.secret  # shown once, in the answer that creates it
    if info.redirect_uri is not None:
        view["redirect_uri"] = info.redirect_uri
    if info.scope is not None:
        view["scope"] = info.scope
    if client.product_id is not None:
        view["product_id"] = client.product_id
    return view


def _scope_product(ctx: Ctx) -> FakeProduct | None:
    key = ctx.request.path_params.get("product")
    return None if key is None else resolve_product(ctx, str(key))


def _visible(ctx: Ctx, client: OAuthClient, product: FakeProduct | None) -> bool:
    if product is not None:
        return client.product_id == product.id
    return client.product_id is None and client.owner == ctx.user.username


def _resolve_client(ctx: Ctx) -> tuple[OAuthClient, FakeProduct | None]:
    product = _scope_product(ctx)
    client = ctx.state.clients.get(ctx.path("clientId"))
    if client is None or not _visible(ctx, client, product):
        raise fail(404, "OAuth client not found")
    return client, product


def _scope(value: Any) -> str | None:
    """`none` removes every scope (full permissions)."""
    text = " ".join(str(v) for v in value) if isinstance(value, list) else str(value).strip()
    return None if text in ("", "none") else text


async def list_clients(ctx: Ctx) -> Response:
    product = _scope_product(ctx)
    with ctx.state.lock:
        mine = [c for c in ctx.state.clients.values() if _visible(ctx, c, product)]
        views = [client_view(ctx.state, c) for c in mine]
    return json_response({"ok": True, "clients": views})


async def create_client(ctx: Ctx) -> Response:
    product = _scope_product(ctx)
    name, kind = str(ctx.param("name", default="")).strip(), ctx.param("type")
    redirect_uri = ctx.param("redirect_uri")
    if not name:
        raise fail(400, "name is required")
    if kind not in CLIENT_TYPES:
        raise fail(400, "type must be installed or web")
    if kind == "web" and not redirect_uri:
        raise fail(400, "redirect_uri is required for web clients")
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "client"
    with ctx.state.lock:
        client_id = f"{stem}-{secrets.randbelow(10_000):04d}"
        while client_id in ctx.state.clients:
            client_id = f"{stem}-{secrets.randbelow(10_000):04d}"
        client = OAuthClient(
            id=client_id,
            secret=new_token(),
            owner=ctx.user.username,
            product_id=product.id if product is not None else None,
            kind=str(kind),
        )
        ctx.state.add_client(client)
        info = ClientInfo(name, str(kind), redirect_uri and str(redirect_uri))
        info.scope = _scope(ctx.param("scope", default=""))
        area(ctx.state).clients[client_id] = info
        view = client_view(ctx.state, client, secret=True)
    return json_response({"ok": True, "client": view})


async def update_client(ctx: Ctx) -> Response:
    client, _ = _resolve_client(ctx)
    name, scope = ctx.param("name"), ctx.param("scope")
    if name is None and scope is None:
        raise fail(400, "Nothing to update: give name or scope")
    with ctx.state.lock:
        info = area(ctx.state).clients.setdefault(client.id, ClientInfo(client.id, "installed"))
        info.name = str(name) if name is not None else info.name
        info.scope = _scope(scope) if scope is not None else info.scope
        view = client_view(ctx.state, client)
    return json_response({"ok": True, "client": view})


async def delete_client(ctx: Ctx) -> Response:
    """204; the tokens the client issued stop working."""
    client, _ = _resolve_client(ctx)
    with ctx.state.lock:
        ctx.state.clients.pop(client.id, None)
        area(ctx.state).clients.pop(client.id, None)
        ctx.state.revoke(t.token for t in list(ctx.state.tokens.values()) if t.client == client.id)
    return Response(status_code=204)


CLIENT = "/v1/clients/{clientId}"
PRODUCT_CLIENTS = "/v1/products/{product}/clients"

routes: list[Route] = [
    api("/v1/clients", list_clients, "GET"),
    api("/v1/clients", create_client, "POST"),
    api(CLIENT, update_client, "PUT"),
    api(CLIENT, delete_client, "DELETE"),
    api(PRODUCT_CLIENTS, list_clients, "GET"),
    api(PRODUCT_CLIENTS, create_client, "POST"),
    api(PRODUCT_CLIENTS + "/{clientId}", update_client, "PUT"),
    api(PRODUCT_CLIENTS + "/{clientId}", delete_client, "DELETE"),
]
