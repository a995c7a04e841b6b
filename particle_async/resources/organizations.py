"""`cloud.organizations`: the organizations you belong to and their products."""

from __future__ import annotations

from collections.abc import Mapping

from ..models.organizations import Organization, OrganizationProduct
from ._base import Resource, items, path

__all__ = ["Organizations"]


class Organizations(Resource):
    """Organizations (`org` is an organization's id or slug)."""

    async def get(self, org: str) -> Organization:
        """One organization (`{organization}`).

        Endpoint: `GET /v1/orgs/:org`.
        """
        body = await self._transport.request("GET", path("/v1/orgs/{}", org))
        if isinstance(body, Mapping) and isinstance(body.get("organization"), Mapping):
            body = body["organization"]
        return Organization.from_api(body)

    async def list_products(self, org: str) -> list[OrganizationProduct]:
        """The organization's products (`{products}`); use their id or slug as `product=`.

        Endpoint: `GET /v1/orgs/:org/products`.
        """
        body = await self._transport.request("GET", path("/v1/orgs/{}/products", org))
        return OrganizationProduct.list_from_api(items(body, "products"))

    # `list` last: inside the class body the name would shadow the builtin in annotations.
    async def list(self) -> list[Organization]:
        """Your organizations (`{organizations}`; empty when you belong to none).

        Endpoint: `GET /v1/orgs`.
        """
        body = await self._transport.request("GET", "/v1/orgs")
        return Organization.list_from_api(items(body, "organizations"))
