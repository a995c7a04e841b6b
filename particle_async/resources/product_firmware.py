"""`cloud.product_firmware`: upload, list, describe, release, download and delete product firmware.

Also pins one product device to a firmware version (`lock_device`) or lets it follow the
released version again (`unlock_device`).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from ..models.firmware import FirmwareRelease, ProductFirmwareVersion
from ._base import ProductId, Resource, drop_none, ok, path
from ._upload import FileSource, Progress, read_upload

__all__ = ["ProductFirmware"]


def _firmware_path(product: ProductId, tail: str = "", *parts: object) -> str:
    return path("/v1/products/{}/firmware" + tail, product, *parts)


class ProductFirmware(Resource):
    """Product firmware versions. Every call takes the product's id or slug."""

    async def list(self, product: ProductId) -> builtins.list[ProductFirmwareVersion]:
        """Every uploaded version (`GET /v1/products/:product/firmware`, a bare array)."""
        body = await self._transport.request("GET", _firmware_path(product))
        return ProductFirmwareVersion.list_from_api(body)

    async def get(self, product: ProductId, version: int) -> ProductFirmwareVersion:
        """One version's details.

        Endpoint: `GET /v1/products/:product/firmware/:version`.
        """
        body = await self._transport.request("GET", _firmware_path(product, "/{}", version))
        return ProductFirmwareVersion.from_api(body)

    async def upload(
        self,
        product: ProductId,
        file: FileSource,
        *,
        version: int,
        title: str,
        description: str | None = None,
        mandatory: bool | None = None,
        progress: Progress | None = None,
    ) -> ProductFirmwareVersion:
        """Upload a binary (or a zip bundle) as a new version; multipart part `file`.

        Endpoint: `POST /v1/products/:product/firmware`.

        The part is named `firmware.bin` as the JS SDK does (`firmware.zip`, sent as
        `application/zip`, for a bundle). `progress(sent, total)` follows the upload.
        """
        _, content, content_type = await read_upload(file, "firmware.bin")
        name = "firmware.zip" if content_type == "application/zip" else "firmware.bin"
        form = {
            "version": version,
            "title": title,
            "description": description,
            "mandatory": mandatory,
        }
        body = await self._transport.request(
            "POST",
            _firmware_path(product),
            files=[("file", (name, content, content_type))],
            form=form,
            progress=progress,
        )
        return ProductFirmwareVersion.from_api(body)

    async def update(
        self,
        product: ProductId,
        version: int,
        *,
        title: str | None = None,
        description: str | None = None,
        mandatory: bool | None = None,
    ) -> ProductFirmwareVersion:
        """Change a version's title, description (or, enterprise, `mandatory` flag).

        Endpoint: `PUT /v1/products/:product/firmware/:version`.
        """
        body = drop_none({"title": title, "description": description, "mandatory": mandatory})
        if not body:
            raise ValueError("update() needs at least one field to change")
        answer = await self._transport.request(
            "PUT", _firmware_path(product, "/{}", version), json_body=body, idempotent=True
        )
        return ProductFirmwareVersion.from_api(answer)

    async def download(self, product: ProductId, version: int) -> bytes:
        """The original uploaded binary of a version, as bytes.

        Endpoint: `GET /v1/products/:product/firmware/:version/binary`.
        """
        data: bytes = await self._transport.request(
            "GET",
            _firmware_path(product, "/{}/binary", version),
            expect="bytes",
        )
        return data

    async def release(
        self,
        product: ProductId,
        version: int,
        *,
        product_default: bool | None = None,
        groups: Iterable[str] | None = None,
        intelligent: bool | None = None,
    ) -> FirmwareRelease:
        """Release a version to the fleet (`product_default=True`) or to device groups.

        Endpoint: `PUT /v1/products/:product/firmware/release`.

        The first release of a version needs it running on at least one device.
        """
        body = drop_none(
            {
                "version": version,
                "product_default": product_default,
                "groups": None if groups is None else builtins.list(groups),
                "intelligent": intelligent,
            }
        )
        answer = await self._transport.request(
            "PUT", _firmware_path(product, "/release"), json_body=body, idempotent=False
        )
        return FirmwareRelease.from_api(answer)

    async def delete(self, product: ProductId, version: int) -> bool:
        """Delete a version that was never released (`204 No Content`).

        Endpoint: `DELETE /v1/products/:product/firmware/:version`.
        """
        answer = await self._transport.request(
            "DELETE", _firmware_path(product, "/{}", version), idempotent=True
        )
        return ok(answer)
