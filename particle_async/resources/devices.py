"""`cloud.devices`: list, inspect, claim, rename, remove, ping, signal; variables and functions."""

from __future__ import annotations

from typing import Any

from .._transport import DEFAULT, TimeoutTypes
from ..models import ClaimResult, Device, FunctionResult, PingResult, VariableValue
from ._base import ProductId, Resource, drop_none, scoped

__all__ = ["Devices"]


class Devices(Resource):
    """Device calls. Each accepts `product=` (id or slug) to act through a product."""

    async def list(
        self,
        *,
        device_id: str | None = None,
        name: str | None = None,
        groups: list[str] | None = None,
        sort_attr: str | None = None,
        sort_dir: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> list[Device]:
        """Your devices (`GET /v1/devices`): a bare, unpaged list unless you ask for a page."""
        params = {
            "deviceId": device_id,
            "deviceName": name,
            "groups": ",".join(groups) if groups else None,
            "sortAttr": sort_attr,
            "sortDir": sort_dir,
            "page": page,
            "per_page": per_page,
        }
        body = await self._transport.request("GET", "/v1/devices", params=params)
        items = body.get("devices", []) if isinstance(body, dict) else body
        return Device.list_from_api(items)

    async def get(self, device_id: str, *, product: ProductId | None = None) -> Device:
        """One device's details, including the variables and functions it exposes."""
        body = await self._transport.request("GET", scoped(product, "devices/{}", device_id))
        return Device.from_api(body)

    async def claim(self, device_id: str, *, request_transfer: bool = False) -> ClaimResult:
        """Claim a device to your account (`POST /v1/devices`); never retried once sent."""
        body = drop_none({"id": device_id, "request_transfer": request_transfer or None})
        return ClaimResult.from_api(
            await self._transport.request("POST", "/v1/devices", json_body=body)
        )

    async def update(
        self,
        device_id: str,
        *,
        name: str | None = None,
        notes: str | None = None,
        development: bool | None = None,
        product: ProductId | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """`PUT /v1/devices/:id` with only the fields given (rename, notes, ...)."""
        body = drop_none({"name": name, "notes": notes, "development": development, **fields})
        if not body:
            raise ValueError("update() needs at least one field to change")
        result = await self._transport.request(
            "PUT", scoped(product, "devices/{}", device_id), json_body=body
        )
        return dict(result or {})

    async def rename(
        self, device_id: str, name: str, *, product: ProductId | None = None
    ) -> dict[str, Any]:
        return await self.update(device_id, name=name, product=product)

    async def set_notes(
        self, device_id: str, notes: str, *, product: ProductId | None = None
    ) -> dict[str, Any]:
        return await self.update(device_id, notes=notes, product=product)

    async def signal(
        self, device_id: str, on: bool = True, *, product: ProductId | None = None
    ) -> dict[str, Any]:
        """Make the device's LED shout rainbows (`signal=1`) or stop (`signal=0`)."""
        return await self.update(device_id, signal="1" if on else "0", product=product)

    async def remove(self, device_id: str, *, product: ProductId | None = None) -> bool:
        """Unclaim the device (or, with `product=`, remove it from the product)."""
        body = await self._transport.request("DELETE", scoped(product, "devices/{}", device_id))
        return bool((body or {}).get("ok", True))

    async def ping(self, device_id: str, *, product: ProductId | None = None) -> PingResult:
        """Ask the cloud whether the device answers right now."""
        body = await self._transport.request("PUT", scoped(product, "devices/{}/ping", device_id))
        return PingResult.from_api(body)

    async def get_variable(
        self,
        device_id: str,
        name: str,
        *,
        product: ProductId | None = None,
        timeout: TimeoutTypes = DEFAULT,
    ) -> Any:
        """The variable's current value (the `result` field)."""
        return (await self.read_variable(device_id, name, product=product, timeout=timeout)).result

    async def read_variable(
        self,
        device_id: str,
        name: str,
        *,
        product: ProductId | None = None,
        timeout: TimeoutTypes = DEFAULT,
    ) -> VariableValue:
        """The whole variable answer, with `coreInfo` kept in `raw`."""
        body = await self._transport.request(
            "GET", scoped(product, "devices/{}/{}", device_id, name), timeout=timeout
        )
        return VariableValue.from_api(body)

    async def call_function(
        self,
        device_id: str,
        name: str,
        argument: str = "",
        *,
        product: ProductId | None = None,
        timeout: TimeoutTypes = DEFAULT,
    ) -> int:
        """Run a firmware function and return its integer. Never re-sent once it may have run."""
        result = await self.call(device_id, name, argument, product=product, timeout=timeout)
        return result.return_value

    async def call(
        self,
        device_id: str,
        name: str,
        argument: str = "",
        *,
        product: ProductId | None = None,
        timeout: TimeoutTypes = DEFAULT,
    ) -> FunctionResult:
        """Like `call_function`, with the whole answer."""
        body = await self._transport.request(
            "POST",
            scoped(product, "devices/{}/{}", device_id, name),
            json_body={"arg": argument},
            idempotent=False,
            timeout=timeout,
        )
        return FunctionResult.from_api(body)
