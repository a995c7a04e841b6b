"""`cloud.ledger`: ledger definitions, their instances (data per scope value) and versions.

Every call works in your sandbox by default, or in an organization with `org=` (id or slug);
the docs also show a product form, reachable with `product=`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._paging import Page, Pager, page_from_body
from ..models.ledger import LedgerDefinition, LedgerInstance
from ._base import ProductId, Resource, drop_none, ok, path, unwrap

__all__ = ["Ledger", "owner_path"]


def owner_path(org: str | None, product: ProductId | None, tail: str, *parts: object) -> str:
    """`/v1/<tail>` (sandbox), `/v1/orgs/:org/<tail>` or `/v1/products/:product/<tail>`."""
    if org is not None and product is not None:
        raise ValueError("pass org= or product=, not both")
    if org is not None:
        return path("/v1/orgs/{}/" + tail, org, *parts)
    if product is not None:
        return path("/v1/products/{}/" + tail, product, *parts)
    return path("/v1/" + tail, *parts)


class Ledger(Resource):
    """Ledger definitions, instances and instance versions."""

    # Definitions ------------------------------------------------------------------------

    async def create(
        self,
        name: str,
        *,
        scope: str,
        direction: str,
        description: str | None = None,
        org: str | None = None,
        product: ProductId | None = None,
        **fields: Any,
    ) -> LedgerDefinition:
        """Define a ledger (`201`). `scope`: Owner, Product or Device; `direction`:
        Upstream (device to cloud) or Downstream (cloud to device).

        Endpoint: `POST /v1/ledgers` (or `/v1/orgs/:org/ledgers`).
        """
        ledger = drop_none(
            {
                "name": name,
                "scope": scope,
                "direction": direction,
                "description": description,
                **fields,
            }
        )
        body = await self._transport.request(
            "POST", owner_path(org, product, "ledgers"), json_body={"ledger": ledger}
        )
        return LedgerDefinition.from_api(unwrap(body, "ledger"))

    async def get(
        self, name: str, *, org: str | None = None, product: ProductId | None = None
    ) -> LedgerDefinition:
        """One ledger definition.

        Endpoint: `GET /v1/ledgers/:ledgerName` (or `/v1/orgs/:org/ledgers/:ledgerName`).
        """
        body = await self._transport.request("GET", owner_path(org, product, "ledgers/{}", name))
        return LedgerDefinition.from_api(unwrap(body, "ledger"))

    async def update(
        self,
        name: str,
        *,
        description: str | None = None,
        direction: str | None = None,
        org: str | None = None,
        product: ProductId | None = None,
        **fields: Any,
    ) -> LedgerDefinition:
        """Change a ledger's description or direction (the only editable fields).

        Endpoint: `PUT /v1/ledgers/:ledgerName` (or `/v1/orgs/:org/ledgers/:ledgerName`).
        """
        ledger = drop_none({"description": description, "direction": direction, **fields})
        body = await self._transport.request(
            "PUT",
            owner_path(org, product, "ledgers/{}", name),
            json_body={"ledger": ledger},
            idempotent=True,
        )
        return LedgerDefinition.from_api(unwrap(body, "ledger"))

    async def archive(
        self, name: str, *, org: str | None = None, product: ProductId | None = None
    ) -> bool:
        """Archive a ledger (it is kept, not deleted; `204 No Content`).

        Endpoint: `DELETE /v1/ledgers/:ledgerName` (or `/v1/orgs/:org/ledgers/:ledgerName`).
        """
        body = await self._transport.request(
            "DELETE", owner_path(org, product, "ledgers/{}", name), idempotent=True
        )
        return ok(body)

    async def list(
        self,
        *,
        scope: str | None = None,
        archived: bool | None = None,
        org: str | None = None,
        product: ProductId | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> Page[LedgerDefinition]:
        """One page of ledger definitions (the API's default page holds 100)."""
        params = {"scope": scope, "page": page, "per_page": per_page, "archived": archived}
        body = await self._transport.request(
            "GET", owner_path(org, product, "ledgers"), params=params
        )
        key = "ledgers" if isinstance(body, Mapping) and "ledgers" in body else "ledger_definitions"
        return page_from_body(
            body, key, LedgerDefinition.from_api, page=page or 1, per_page=per_page
        )

    def iter(
        self,
        *,
        scope: str | None = None,
        archived: bool | None = None,
        org: str | None = None,
        product: ProductId | None = None,
        per_page: int = 100,
    ) -> Pager[LedgerDefinition]:
        """Every ledger definition, page by page.

        Endpoint: `GET /v1/ledgers` (or `/v1/orgs/:org/ledgers`).
        """
        return Pager.over(
            self.list, scope=scope, archived=archived, org=org, product=product, per_page=per_page
        )

    # Instances --------------------------------------------------------------------------

    async def get_instance(
        self,
        name: str,
        scope_value: str,
        *,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> LedgerInstance:
        """A ledger's data for one scope value (an owner, product or device id).

        Endpoint: `GET /v1/ledgers/:ledgerName/instances/:scopeValue` (or
        `/v1/orgs/:org/ledgers/:ledgerName/instances/:scopeValue`).
        """
        body = await self._transport.request(
            "GET", owner_path(org, product, "ledgers/{}/instances/{}", name, scope_value)
        )
        return LedgerInstance.from_api(unwrap(body, "instance"))

    async def set_instance(
        self,
        name: str,
        scope_value: str,
        data: Mapping[str, Any],
        *,
        merge: bool = False,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> LedgerInstance:
        """Write a ledger instance's data: replace it all, or `merge=True` (`set_mode=Merge`).

        Endpoint: `PUT /v1/ledgers/:ledgerName/instances/:scopeValue` (or
        `/v1/orgs/:org/ledgers/:ledgerName/instances/:scopeValue`).
        """
        body = await self._transport.request(
            "PUT",
            owner_path(org, product, "ledgers/{}/instances/{}", name, scope_value),
            params={"set_mode": "Merge" if merge else None},
            json_body={"instance": {"data": dict(data)}},
            idempotent=True,  # replace and merge both land in the same state twice
        )
        return LedgerInstance.from_api(unwrap(body, "instance"))

    async def delete_instance(
        self,
        name: str,
        scope_value: str,
        *,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> bool:
        """Delete one ledger instance (`204 No Content`).

        Endpoint: `DELETE /v1/ledgers/:ledgerName/instances/:scopeValue` (or
        `/v1/orgs/:org/ledgers/:ledgerName/instances/:scopeValue`).
        """
        body = await self._transport.request(
            "DELETE",
            owner_path(org, product, "ledgers/{}/instances/{}", name, scope_value),
            idempotent=True,
        )
        return ok(body)

    async def list_instances(
        self,
        name: str,
        *,
        org: str | None = None,
        product: ProductId | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> Page[LedgerInstance]:
        """One page of a ledger's instances."""
        body = await self._transport.request(
            "GET",
            owner_path(org, product, "ledgers/{}/instances", name),
            params={"page": page, "per_page": per_page},
        )
        return page_from_body(
            body, "instances", LedgerInstance.from_api, page=page or 1, per_page=per_page
        )

    def iter_instances(
        self,
        name: str,
        *,
        org: str | None = None,
        product: ProductId | None = None,
        per_page: int = 100,
    ) -> Pager[LedgerInstance]:
        """Every instance of a ledger, page by page.

        Endpoint: `GET /v1/ledgers/:ledgerName/instances` (or
        `/v1/orgs/:org/ledgers/:ledgerName/instances`).
        """
        return Pager.over(self.list_instances, name, org=org, product=product, per_page=per_page)

    # Versions ---------------------------------------------------------------------------

    async def list_instance_versions(
        self,
        name: str,
        scope_value: str,
        *,
        replaced_before: str | None = None,
        replaced_after: str | None = None,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> Page[LedgerInstance]:
        """Earlier versions of an instance in a time window (ISO 8601 bounds).

        The API pages by time: `has_more` says older versions remain; ask again with
        `replaced_before` set to the oldest `replaced_at` seen (`iter_instance_versions`
        does this for you).
        """
        body = await self._transport.request(
            "GET",
            owner_path(org, product, "ledgers/{}/instances/{}/versions", name, scope_value),
            params={"replaced_before": replaced_before, "replaced_after": replaced_after},
        )
        return page_from_body(body, "versions", LedgerInstance.from_api, page=1, per_page=None)

    def iter_instance_versions(
        self,
        name: str,
        scope_value: str,
        *,
        replaced_before: str | None = None,
        replaced_after: str | None = None,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> Pager[LedgerInstance]:
        """Every version in the window, newest first, walking back with `replaced_before`.

        Endpoint: `GET /v1/ledgers/:ledgerName/instances/:scopeValue/versions` (or
        `/v1/orgs/:org/ledgers/:ledgerName/instances/:scopeValue/versions`).
        """
        cursors: dict[int, str | None] = {1: replaced_before}

        async def fetch(number: int) -> Page[LedgerInstance]:
            cursor = cursors[number]
            page = await self.list_instance_versions(
                name,
                scope_value,
                replaced_before=cursor,
                replaced_after=replaced_after,
                org=org,
                product=product,
            )
            oldest = _oldest_replaced_at(page.items)
            if page.has_more and oldest is not None and oldest != cursor:
                cursors[number + 1] = oldest
                has_more: bool | None = True
            else:
                has_more = False  # done, or no cursor to move on with: never loop
            return Page(page.items, page=number, has_more=has_more)

        return Pager(fetch)

    async def get_instance_version(
        self,
        name: str,
        scope_value: str,
        version: str,
        *,
        org: str | None = None,
        product: ProductId | None = None,
    ) -> LedgerInstance:
        """One earlier version of an instance.

        Endpoint: `GET /v1/ledgers/:ledgerName/instances/:scopeValue/versions/:version` (or
        `/v1/orgs/:org/ledgers/:ledgerName/instances/:scopeValue/versions/:version`).
        """
        body = await self._transport.request(
            "GET",
            owner_path(
                org, product, "ledgers/{}/instances/{}/versions/{}", name, scope_value, version
            ),
        )
        return LedgerInstance.from_api(unwrap(body, "instance"))


def _oldest_replaced_at(items: list[LedgerInstance]) -> str | None:
    """The wire text of the earliest `replaced_at` on a page (kept verbatim for the next query)."""
    dated = [(item.replaced_at, item.raw.get("replaced_at")) for item in items]
    known = [(when, text) for when, text in dated if when is not None and text]
    if not known:
        return None
    return str(min(known, key=lambda pair: pair[0])[1])
