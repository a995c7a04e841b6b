"""`cloud.device_groups`: a product's device groups, who is in them, and what a firmware
release to them would update."""

from __future__ import annotations

from collections.abc import Sequence

from ..models.device_groups import DeviceGroup, GroupImpact
from ..models.devices import DeviceUpdate
from ._base import ProductId, Resource, drop_none, ok, path, unwrap

__all__ = ["DeviceGroups"]


class DeviceGroups(Resource):
    """Device groups of a product (id or slug). Group names are lowercase letters, digits,
    dashes and underscores."""

    async def list(self, product: ProductId, *, name: str | None = None) -> list[DeviceGroup]:
        """The product's groups; `name` filters by partial match.

        Endpoint: `GET /v1/products/:product/groups`.
        """
        body = await self._transport.request(
            "GET", path("/v1/products/{}/groups", product), params={"name": name}
        )
        return DeviceGroup.list_from_api(unwrap(body, "groups"))

    async def create(
        self,
        product: ProductId,
        name: str,
        *,
        color: str | None = None,
        description: str | None = None,
    ) -> DeviceGroup:
        """Create a group (`color` is a hex string such as `#e74c3c`).

        Endpoint: `POST /v1/products/:product/groups`.
        """
        body = drop_none({"name": name, "color": color, "description": description})
        result = await self._transport.request(
            "POST", path("/v1/products/{}/groups", product), json_body=body
        )
        return DeviceGroup.from_api(unwrap(result, "group"))

    async def get(self, product: ProductId, name: str) -> DeviceGroup:
        """One group, with its device count and released firmware version.

        Endpoint: `GET /v1/products/:product/groups/:groupName`.
        """
        body = await self._transport.request(
            "GET", path("/v1/products/{}/groups/{}", product, name)
        )
        return DeviceGroup.from_api(unwrap(body, "group"))

    async def update(
        self,
        product: ProductId,
        name: str,
        *,
        new_name: str | None = None,
        color: str | None = None,
        description: str | None = None,
    ) -> DeviceGroup:
        """Rename a group or change its color or description (at least one).

        Endpoint: `PUT /v1/products/:product/groups/:groupName`.
        """
        body = drop_none({"name": new_name, "color": color, "description": description})
        if not body:
            raise ValueError("update() needs new_name=, color= or description=")
        result = await self._transport.request(
            "PUT",
            path("/v1/products/{}/groups/{}", product, name),
            json_body=body,
            idempotent=True,
        )
        return DeviceGroup.from_api(unwrap(result, "group"))

    async def delete(self, product: ProductId, name: str) -> bool:
        """Delete a group; its devices simply leave it.

        Endpoint: `DELETE /v1/products/:product/groups/:groupName`.
        """
        result = await self._transport.request(
            "DELETE", path("/v1/products/{}/groups/{}", product, name), idempotent=True
        )
        return ok(result)

    async def assign(
        self, product: ProductId, device_id: str, groups: Sequence[str]
    ) -> DeviceUpdate:
        """Set a device's groups to exactly `groups` (unknown groups are created).

        Endpoint: `PUT /v1/products/:product/devices/:deviceId`.
        """
        result = await self._transport.request(
            "PUT",
            path("/v1/products/{}/devices/{}", product, device_id),
            json_body={"groups": list(groups)},
            idempotent=True,
        )
        return DeviceUpdate.from_api(result or {})

    async def batch_update(
        self,
        product: ProductId,
        devices: Sequence[str],
        *,
        add: Sequence[str] | None = None,
        remove: Sequence[str] | None = None,
    ) -> bool:
        """Add groups to and/or remove groups from many devices in one call.

        Endpoint: `PUT /v1/products/:product/devices`.
        """
        if not add and not remove:
            raise ValueError("batch_update() needs add= or remove=")
        metadata = drop_none(
            {"add": list(add) if add else None, "remove": list(remove) if remove else None}
        )
        body = {"action": "groups", "devices": list(devices), "metadata": metadata}
        result = await self._transport.request(
            "PUT", path("/v1/products/{}/devices", product), json_body=body, idempotent=True
        )
        return ok(result)

    async def impact(
        self,
        product: ProductId,
        firmware_version: int,
        *,
        groups: Sequence[str] | None = None,
        product_default: bool | None = None,
        action: str = "edit_groups_for_firmware",
    ) -> GroupImpact:
        """How many devices would get an OTA update if `firmware_version` were released to
        `groups` (or, with `product_default`, as the product default). Omit `groups` to see
        the effect of unreleasing from every group.

        Endpoint: `GET /v1/products/:product/impact`.
        """
        params = {
            "action": action,
            "firmware_version": firmware_version,
            "groups": ",".join(groups) if groups else None,
            "product_default": product_default,
        }
        body = await self._transport.request(
            "GET", path("/v1/products/{}/impact", product), params=params
        )
        return GroupImpact.from_api(body or {})
