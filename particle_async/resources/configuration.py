"""`cloud.configuration`: product and per-device configuration (Tracker-style), and the
JSON Schemas that describe it.

Configuration and its schema share routes: the schema is read and written with the media
type `application/schema+json`. Writes replace the whole document (no merging): read,
change, write back. An invalid schema answers 422 (`UnprocessableEntityError` with
`.violations`); a device that rejects values answers 400 (`BadRequestError`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import httpx

from ..models.configuration import ConfigurationUpdate, DeviceConfiguration, ProductConfiguration
from ._base import ProductId, Resource, ok, path

__all__ = ["SCHEMA_MEDIA_TYPE", "Configuration"]

SCHEMA_MEDIA_TYPE = "application/schema+json"


def _config_path(product: ProductId, device_id: str | None) -> str:
    if device_id is None:
        return path("/v1/products/{}/config", product)
    return path("/v1/products/{}/config/{}", product, device_id)


class Configuration(Resource):
    """Configuration of a product (id or slug) and of its devices."""

    async def get(self, product: ProductId) -> ProductConfiguration:
        """The product's default configuration (`NotFoundError` while none is set).

        Endpoint: `GET /v1/products/:product/config`.
        """
        body = await self._transport.request("GET", _config_path(product, None))
        return ProductConfiguration.from_api(body or {})

    async def get_device(self, product: ProductId, device_id: str) -> DeviceConfiguration:
        """A device's configuration: what it confirmed (`current`) and what waits (`pending`).

        Endpoint: `GET /v1/products/:product/config/:deviceId`.
        """
        body = await self._transport.request("GET", _config_path(product, device_id))
        return DeviceConfiguration.from_api(body or {})

    async def get_schema(self, product: ProductId) -> dict[str, Any]:
        """The product's configuration JSON Schema.

        Endpoint: `GET /v1/products/:product/config`.
        """
        return await self._get_schema(product, None)

    async def get_device_schema(self, product: ProductId, device_id: str) -> dict[str, Any]:
        """The JSON Schema that applies to one device.

        Endpoint: `GET /v1/products/:product/config/:deviceId`.
        """
        return await self._get_schema(product, device_id)

    async def _get_schema(self, product: ProductId, device_id: str | None) -> dict[str, Any]:
        body = await self._transport.request(
            "GET", _config_path(product, device_id), headers={"Accept": SCHEMA_MEDIA_TYPE}
        )
        return dict(body or {})

    async def set(
        self,
        product: ProductId,
        config: Mapping[str, Any],
        *,
        device_ids: Sequence[str] | None = None,
    ) -> ConfigurationUpdate:
        """Replace the product's default configuration (202: devices pick it up as they
        connect). `device_ids` limits the update to those devices.

        Endpoint: `PUT /v1/products/:product/config`.
        """
        body: dict[str, Any] = dict(config)
        if device_ids is not None:
            body["deviceIds"] = list(device_ids)
        return await self._put_config(_config_path(product, None), body)

    async def set_device(
        self, product: ProductId, device_id: str, config: Mapping[str, Any]
    ) -> ConfigurationUpdate:
        """Override configuration for one device: 200 applied, 202 device offline (applied
        when it returns); an empty `config` resets the device to the product defaults.

        Endpoint: `PUT /v1/products/:product/config/:deviceId`.
        """
        return await self._put_config(_config_path(product, device_id), dict(config))

    async def reset_device(self, product: ProductId, device_id: str) -> ConfigurationUpdate:
        """Send an empty configuration: the device goes back to the product defaults."""
        return await self.set_device(product, device_id, {})

    async def _put_config(self, where: str, body: dict[str, Any]) -> ConfigurationUpdate:
        response: httpx.Response = await self._transport.request(
            "PUT", where, json_body=body, expect="response", idempotent=True
        )
        try:
            parsed = response.json() if response.content.strip() else {}
        except ValueError:
            parsed = {}
        update = ConfigurationUpdate.from_api(parsed if isinstance(parsed, Mapping) else {})
        return attrs.evolve(update, status=response.status_code)

    async def set_schema(self, product: ProductId, schema: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the product's configuration schema (the whole schema, Particle's standard
        parts included); returns the schema as stored.

        Endpoint: `PUT /v1/products/:product/config`.
        """
        return await self._put_schema(product, None, schema)

    async def set_device_schema(
        self, product: ProductId, device_id: str, schema: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Replace the configuration schema of one device.

        Endpoint: `PUT /v1/products/:product/config/:deviceId`.
        """
        return await self._put_schema(product, device_id, schema)

    async def _put_schema(
        self, product: ProductId, device_id: str | None, schema: Mapping[str, Any]
    ) -> dict[str, Any]:
        body = await self._transport.request(
            "PUT",
            _config_path(product, device_id),
            json_body=dict(schema),
            headers={"Content-Type": SCHEMA_MEDIA_TYPE, "Accept": SCHEMA_MEDIA_TYPE},
            idempotent=True,
        )
        return dict(body or {})

    async def delete_schema(self, product: ProductId) -> bool:
        """Drop the product's custom schema: back to the Tracker Edge default (204).

        Endpoint: `DELETE /v1/products/:product/config`.
        """
        return await self._delete_schema(product, None)

    async def delete_device_schema(self, product: ProductId, device_id: str) -> bool:
        """Drop a device's schema: it falls back to the product's (204).

        Endpoint: `DELETE /v1/products/:product/config/:deviceId`.
        """
        return await self._delete_schema(product, device_id)

    async def _delete_schema(self, product: ProductId, device_id: str | None) -> bool:
        # The docs send the schema media type (and an empty object) to say which document
        # is deleted; we do the same.
        body = await self._transport.request(
            "DELETE",
            _config_path(product, device_id),
            json_body={},
            headers={"Content-Type": SCHEMA_MEDIA_TYPE},
            idempotent=True,
        )
        return ok(body)
