"""`cloud.oauth_clients`: the OAuth clients (apps) of your account or of a product."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ..models.oauth_clients import OAuthClient
from ._base import ProductId, Resource, drop_none, ok, scoped

__all__ = ["OAuthClients"]

ClientType = Literal["installed", "web"]


def _scope(scope: str | Sequence[str] | None) -> str | None:
    """Scopes as the API takes them: one space-separated string (`none` clears them)."""
    if scope is None or isinstance(scope, str):
        return scope
    return " ".join(scope)


def _client(body: Any) -> OAuthClient:
    """The docs wrap the client as `{ok, client}`; the SDK types show it bare. Read both."""
    if isinstance(body, Mapping) and isinstance(body.get("client"), Mapping):
        body = body["client"]
    return OAuthClient.from_api(body)


class OAuthClients(Resource):
    """OAuth clients. Pass `product=` (id or slug) for a product's clients.

    A product client can create customers and customer-scoped tokens; its `secret` is only
    returned by `create`, so store it then.
    """

    async def list(self, *, product: ProductId | None = None) -> list[OAuthClient]:
        """Every OAuth client of the account, or of `product` (`{ok, clients}`).

        Endpoint: `GET /v1/clients` (or `/v1/products/:product/clients`).
        """
        body = await self._transport.request("GET", scoped(product, "clients"))
        items = body.get("clients", []) if isinstance(body, Mapping) else body
        return OAuthClient.list_from_api(items)

    async def create(
        self,
        name: str,
        type: ClientType,
        *,
        redirect_uri: str | None = None,
        scope: str | Sequence[str] | None = None,
        product: ProductId | None = None,
    ) -> OAuthClient:
        """Create a client; `type="web"` (authorization-code flow) needs `redirect_uri`.

        Endpoint: `POST /v1/clients` (or `/v1/products/:product/clients`).

        `scope` limits what its tokens may do (e.g. `"customers:create"`). The answer holds
        the `secret`, which is never shown again. Never re-sent once it may have arrived.
        """
        if type == "web" and not redirect_uri:
            raise ValueError('a "web" OAuth client needs redirect_uri')
        body = drop_none(
            {"name": name, "type": type, "redirect_uri": redirect_uri, "scope": _scope(scope)}
        )
        result = await self._transport.request("POST", scoped(product, "clients"), json_body=body)
        return _client(result)

    async def update(
        self,
        client_id: str,
        *,
        name: str | None = None,
        scope: str | Sequence[str] | None = None,
        product: ProductId | None = None,
    ) -> OAuthClient:
        """Rename a client or change its scope (`scope="none"` removes every scope).

        Endpoint: `PUT /v1/clients/:clientId` (or `/v1/products/:product/clients/:clientId`).
        """
        body = drop_none({"name": name, "scope": _scope(scope)})
        if not body:
            raise ValueError("update() needs name or scope")
        result = await self._transport.request(
            "PUT", scoped(product, "clients/{}", client_id), json_body=body, idempotent=True
        )
        return _client(result)

    async def delete(self, client_id: str, *, product: ProductId | None = None) -> bool:
        """Delete a client (204); tokens it issued stop working.

        Endpoint: `DELETE /v1/clients/:clientId` (or `/v1/products/:product/clients/:clientId`).
        """
        body = await self._transport.request(
            "DELETE", scoped(product, "clients/{}", client_id), idempotent=True
        )
        return ok(body)
