"""`cloud.customers`: a product's customers: create (with a token), list, set password, delete."""

from __future__ import annotations

from typing import Any

from .._paging import Page, Pager, page_from_body
from ..models.auth import TokenGrant
from ..models.customers import Customer
from ._base import ProductId, Resource, ok, path
from .tokens import Tokens

__all__ = ["Customers"]


class Customers(Resource):
    """Customers of a product (`product` is its id or slug)."""

    async def create(
        self,
        product: ProductId,
        email: str,
        password: str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        no_password: bool = False,
    ) -> TokenGrant:
        """Create a customer and get its access token (`POST /v1/products/:product/customers`).

        Form-encoded. With `client_id`/`client_secret` (a product OAuth client) this is the
        two-legged flow the JavaScript SDK uses: `grant_type=client_credentials` with the
        client in the form body and no access token sent; `no_password=True` makes a
        password-less (shadow) customer. Without a client, the call is made with this
        client's access token (a product team member's) and needs `password`.
        Never re-sent once it may have reached the server.
        """
        form: dict[str, Any] = {"email": email, "password": password}
        if (client_id is None) != (client_secret is None):
            raise ValueError("pass both client_id and client_secret, or neither")
        if client_id is not None:
            form.update(
                grant_type="client_credentials",
                client_id=client_id,
                client_secret=client_secret,
                no_password=True if no_password else None,
            )
        elif password is None:
            raise ValueError("a customer created with an access token needs a password")
        body = await self._transport.request(
            "POST",
            path("/v1/products/{}/customers", product),
            form=form,
            authenticated=client_id is None,
        )
        return TokenGrant.from_api(body)

    async def create_token(
        self,
        email: str,
        *,
        client_id: str,
        client_secret: str,
        expires_in: int | None = None,
        expires_at: str | None = None,
    ) -> TokenGrant:
        """A token scoped to an existing customer (`POST /oauth/token`, `scope=customer=...`).

        The product OAuth client goes in HTTP Basic; see `cloud.tokens.create_customer_token`.
        """
        return await Tokens(self._transport).create_customer_token(
            email,
            client_id=client_id,
            client_secret=client_secret,
            expires_in=expires_in,
            expires_at=expires_at,
        )

    async def list(
        self, product: ProductId, *, page: int | None = None, per_page: int | None = None
    ) -> Page[Customer]:
        """One page of the product's customers (`meta.total_pages` tells how many).

        The docs leave the paging parameters unnamed; we send `page`/`per_page`, the
        product-list convention of the JavaScript SDK. The answer's separate `devices`
        list is not kept: each `Customer.devices` holds its device ids.
        """
        number = page or 1
        body = await self._transport.request(
            "GET",
            path("/v1/products/{}/customers", product),
            params={"page": page, "per_page": per_page},
        )
        return page_from_body(body, "customers", Customer.from_api, page=number, per_page=per_page)

    def iter(self, product: ProductId, *, per_page: int | None = None) -> Pager[Customer]:
        """Every customer of the product, page by page (`async for c in ...iter(p)`).

        Endpoint: `GET /v1/products/:product/customers`.
        """
        return Pager.over(self.list, product, per_page=per_page)

    async def set_password(self, product: ProductId, email: str, password: str) -> bool:
        """Set a (non-shadow) customer's password; needs a team token, not a customer's.

        Endpoint: `PUT /v1/products/:product/customers/:customerEmail`.
        """
        body = await self._transport.request(
            "PUT",
            path("/v1/products/{}/customers/{}", product, email),
            json_body={"password": password},
            idempotent=True,
        )
        return ok(body)

    async def delete(self, product: ProductId, email: str) -> bool:
        """Delete a customer; its tokens and pending claim codes are revoked too.

        Endpoint: `DELETE /v1/products/:product/customers/:customerEmail`.
        """
        body = await self._transport.request(
            "DELETE", path("/v1/products/{}/customers/{}", product, email), idempotent=True
        )
        return ok(body)
