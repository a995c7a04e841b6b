"""`cloud.products`: products, their fleet-health metrics, and the devices in them
(`cloud.products.devices`: list and walk pages, import, approve or deny quarantined
devices, remove, update).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

import attrs

from .._paging import Pager, page_from_body
from .._transport import Transport
from ..models.devices import Device, DeviceUpdate
from ..models.products import DevicePage, FleetMetrics, ImportResult, Product, ProductCustomer
from ._base import ProductId, Resource, drop_none, iso_time, items, ok, path
from ._upload import FileSource, read_upload
from .devices import Devices

__all__ = ["ProductDevices", "Products"]

Metric = Literal["online", "events", "integration", "functions", "variables"]

DEFAULT_PER_PAGE = 25


class ProductDevices(Resource):
    """`cloud.products.devices`: the devices of one product (id or slug), paged."""

    def __init__(self, transport: Transport):
        super().__init__(transport)
        self._devices = Devices(transport)

    async def list(
        self,
        product: ProductId,
        *,
        device_id: str | None = None,
        name: str | None = None,
        serial_number: str | None = None,
        groups: Sequence[str] | None = None,
        sort_attr: Literal["deviceId", "firmwareVersion", "lastConnection"] | None = None,
        sort_dir: Literal["asc", "desc"] | None = None,
        quarantined: bool | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> DevicePage:
        """One page of the product's devices (25 by default), with the customers owning them.

        `device_id`, `name` and `serial_number` match partially; `groups` keeps devices of
        any of the named groups. The page size goes out as both `per_page` (the JS SDK) and
        `perPage` (the docs), so either server spelling is honoured.
        """
        number = page or 1
        params = {
            "deviceId": device_id,
            "deviceName": name,
            "serialNumber": serial_number,
            "groups": ",".join(groups) if groups else None,
            "sortAttr": sort_attr,
            "sortDir": sort_dir,
            "quarantined": quarantined,
            "page": page,
            "per_page": per_page,
            "perPage": per_page,
        }
        body = await self._transport.request(
            "GET", path("/v1/products/{}/devices", product), params=params
        )
        base = page_from_body(body, "devices", Device.from_api, page=number, per_page=per_page)
        customers = body.get("customers") if isinstance(body, dict) else None
        return DevicePage(
            items=base.items,
            page=base.page,
            per_page=base.per_page,
            total_pages=base.total_pages,
            total=base.total,
            has_more=base.has_more,
            customers=ProductCustomer.list_from_api(customers),
        )

    def iter(
        self,
        product: ProductId,
        *,
        device_id: str | None = None,
        name: str | None = None,
        serial_number: str | None = None,
        groups: Sequence[str] | None = None,
        sort_attr: Literal["deviceId", "firmwareVersion", "lastConnection"] | None = None,
        sort_dir: Literal["asc", "desc"] | None = None,
        quarantined: bool | None = None,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Pager[Device]:
        """Every device of the product, fetching pages lazily: `async for d in ...iter(p)`."""
        return Pager.over(
            self.list,
            product,
            device_id=device_id,
            name=name,
            serial_number=serial_number,
            groups=groups,
            sort_attr=sort_attr,
            sort_dir=sort_dir,
            quarantined=quarantined,
            per_page=per_page,
        )

    async def get(self, product: ProductId, device_id: str) -> Device:
        """One product device, with its product-only fields (groups, firmware lock, ...)."""
        return await self._devices.get(device_id, product=product)

    async def add(
        self,
        product: ProductId,
        device_id: str,
        *,
        import_sims: bool | None = None,
        claim_user: str | None = None,
    ) -> ImportResult:
        """Add one device to the product (`POST .../devices {id}`); also approves quarantine.

        Endpoint: `POST /v1/products/:product/devices`.
        """
        body = drop_none({"id": device_id, "import_sims": import_sims, "claim_user": claim_user})
        result = await self._transport.request(
            "POST", path("/v1/products/{}/devices", product), json_body=body
        )
        return ImportResult.from_api(result or {})

    async def import_devices(
        self,
        product: ProductId,
        *,
        ids: Sequence[str] | None = None,
        file: FileSource | None = None,
        import_sims: bool | None = None,
        claim_user: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportResult:
        """Import many devices: a list of `ids`, or a `file` (path, bytes or binary file)
        with one device ID, serial number, IMEI or ICCID per line (sent as multipart)."""
        if (ids is None) == (file is None):
            raise ValueError("import_devices() needs exactly one of ids= or file=")
        where = path("/v1/products/{}/devices", product)
        if ids is not None:
            body = drop_none(
                {"ids": list(ids), "import_sims": import_sims, "claim_user": claim_user}
            )
            result = await self._transport.request("POST", where, json_body=body)
            return ImportResult.from_api(result or {})
        assert file is not None
        form = {"import_sims": import_sims, "claim_user": claim_user}
        part = await read_upload(file, "devices.txt", content_type="text/plain")
        result = await self._transport.request(
            "POST", where, files={"file": part}, form=form, progress=progress
        )
        return ImportResult.from_api(result or {})

    async def approve(self, product: ProductId, device_id: str) -> ImportResult:
        """Release a quarantined device into the product (the same call as `add`)."""
        return await self.add(product, device_id)

    async def deny(self, product: ProductId, device_id: str) -> bool:
        """Deny a quarantined device (`DELETE .../devices/:id {deny: true}`)."""
        return await self._devices.remove(device_id, product=product, deny=True)

    async def remove(self, product: ProductId, device_id: str) -> bool:
        """Remove a device from the product (it goes back to a generic product)."""
        return await self._devices.remove(device_id, product=product)

    async def remove_owner(self, product: ProductId, device_id: str) -> bool:
        """Unclaim a product device from its owner but keep it in the product.

        Endpoint: `DELETE /v1/products/:product/devices/:deviceId/owner`.
        """
        result = await self._transport.request(
            "DELETE", path("/v1/products/{}/devices/{}/owner", product, device_id), idempotent=True
        )
        return ok(result)

    async def update(
        self,
        product: ProductId,
        device_id: str,
        *,
        name: str | None = None,
        notes: str | None = None,
        signal: bool | None = None,
        development: bool | None = None,
        desired_firmware_version: int | None = None,
        flash: bool | None = None,
        **fields: Any,
    ) -> DeviceUpdate:
        """`PUT /v1/products/:product/devices/:id` with only the fields given."""
        return await self._devices.update(
            device_id,
            name=name,
            notes=notes,
            signal=signal,
            development=development,
            desired_firmware_version=desired_firmware_version,
            flash=flash,
            product=product,
            **fields,
        )

    async def mark_development(
        self, product: ProductId, device_id: str, development: bool = True
    ) -> DeviceUpdate:
        """Mark (or with `False` unmark) a development device: it then skips product OTA.

        Endpoint: `PUT /v1/products/:product/devices/:deviceId`.
        """
        return await self._devices.mark_development(device_id, development, product=product)

    async def lock_firmware(
        self, product: ProductId, device_id: str, version: int, *, flash: bool | None = None
    ) -> DeviceUpdate:
        """Lock the device to product firmware `version` (`flash=True`: update now).

        Endpoint: `PUT /v1/products/:product/devices/:deviceId`.
        """
        return await self._devices.lock_product_firmware(
            device_id, version, product=product, flash=flash
        )

    async def unlock_firmware(self, product: ProductId, device_id: str) -> DeviceUpdate:
        """Let the device follow the released product firmware again.

        Endpoint: `PUT /v1/products/:product/devices/:deviceId`.
        """
        return await self._devices.unlock_product_firmware(device_id, product=product)


class Products(Resource):
    """Products and the devices in them (`cloud.products.devices`)."""

    def __init__(self, transport: Transport):
        super().__init__(transport)
        self.devices = ProductDevices(transport)

    async def list(self) -> list[Product]:
        """The products you can access (`GET /v1/products`, as the JS SDK calls it)."""
        body = await self._transport.request("GET", "/v1/products")
        return Product.list_from_api(items(body, "products"))

    async def list_user_products(self) -> builtins.list[Product]:
        """The products you can access, by the route the current docs give (`/v1/user/products`).

        Endpoint: `GET /v1/user/products`.
        """
        body = await self._transport.request("GET", "/v1/user/products")
        return Product.list_from_api(items(body, "products"))

    async def get(self, product: ProductId) -> Product:
        """One product by id or slug.

        Endpoint: `GET /v1/products/:product`.
        """
        body = await self._transport.request("GET", path("/v1/products/{}", product))
        inner = body.get("product", body) if isinstance(body, dict) else body
        return Product.from_api(inner)

    async def metrics(
        self,
        product: ProductId,
        metric: Metric,
        *,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        bucket_size: int | None = None,
        product_fw: int | None = None,
        device_os_version: str | None = None,
        device_group: str | None = None,
    ) -> FleetMetrics:
        """A fleet-health series: `metric` per bucket of `bucket_size` seconds (900 default),
        optionally for one firmware version, Device OS version or device group."""
        params = {
            "start_date": iso_time(start_date),
            "end_date": iso_time(end_date),
            "bucket_size": bucket_size,
            "product_fw": product_fw,
            "device_os_version": device_os_version,
            "device_group": device_group,
        }
        body = await self._transport.request(
            "GET", path("/v1/products/{}/metrics/{}", product, metric), params=params
        )
        return attrs.evolve(FleetMetrics.from_api(body or {}), metric=metric)

    async def online_metrics(self, product: ProductId, **filters: Any) -> FleetMetrics:
        """Online devices per bucket (see `metrics` for the filters).

        Endpoint: `GET /v1/products/:product/metrics/online`.
        """
        return await self.metrics(product, "online", **filters)

    async def event_metrics(self, product: ProductId, **filters: Any) -> FleetMetrics:
        """Events received per bucket (see `metrics` for the filters).

        Endpoint: `GET /v1/products/:product/metrics/events`.
        """
        return await self.metrics(product, "events", **filters)

    async def integration_metrics(self, product: ProductId, **filters: Any) -> FleetMetrics:
        """Integration successes, failures and sleeps per bucket (see `metrics`).

        Endpoint: `GET /v1/products/:product/metrics/integration`.
        """
        return await self.metrics(product, "integration", **filters)

    async def function_metrics(self, product: ProductId, **filters: Any) -> FleetMetrics:
        """Function calls that succeeded, failed or found the device offline (see `metrics`).

        Endpoint: `GET /v1/products/:product/metrics/functions`.
        """
        return await self.metrics(product, "functions", **filters)

    async def variable_metrics(self, product: ProductId, **filters: Any) -> FleetMetrics:
        """Variable reads that succeeded, failed or found the device offline (see `metrics`).

        Endpoint: `GET /v1/products/:product/metrics/variables`.
        """
        return await self.metrics(product, "variables", **filters)
