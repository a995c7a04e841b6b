"""`cloud.devices`: list, inspect, claim, provision, rename, remove, ping, signal; variables
and functions; claim codes, serial-number lookup, device protection and search.

Several operations share one route: `PUT /v1/devices/:id` renames, sets notes, signals,
marks development devices, locks product firmware and forces OTA updates (each is its own
method here, all built on `update`), and `POST /v1/devices` claims or provisions.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from ..models._base import shape_error
from ..models.devices import (
    ClaimCode,
    ClaimResult,
    Device,
    DeviceUpdate,
    FunctionResult,
    PingResult,
    SearchResults,
    SerialNumberInfo,
    UnprotectResult,
    VariableValue,
)
from ._base import ProductId, Resource, drop_none, ok, path, scoped

__all__ = ["Devices"]

_PRODUCT_ONLY = ("development", "desired_firmware_version", "flash")


class Devices(Resource):
    """Device calls. Most accept `product=` (id or slug) to act through a product."""

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
        """Your devices (`GET /v1/devices`): a bare, unpaged list unless you ask for a page.

        For the devices of a product (paged, with filters) use `cloud.products.devices`.
        """
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
        if isinstance(body, dict):  # some eras wrap the list; an object without it is wrong
            if "devices" not in body:
                raise shape_error("a JSON list of devices", body)
            body = body["devices"]
        return Device.list_from_api(body)

    async def get(self, device_id: str, *, product: ProductId | None = None) -> Device:
        """One device's details, including the variables and functions it exposes.

        Endpoint: `GET /v1/devices/:deviceId` (or `/v1/products/:product/devices/:deviceId`).

        Raises:
            NotFoundError: no such device, or it is not yours (or not in the product).
        """
        body = await self._transport.request("GET", scoped(product, "devices/{}", device_id))
        return Device.from_api(body)

    async def claim(self, device_id: str, *, request_transfer: bool = False) -> ClaimResult:
        """Claim a device to your account (`POST /v1/devices`); never retried once sent.

        With `request_transfer=True` the current owner is asked to hand it over.
        """
        body = {"id": device_id, "request_transfer": request_transfer}
        return ClaimResult.from_api(
            await self._transport.request("POST", "/v1/devices", json_body=body)
        )

    async def provision(self, product_id: ProductId) -> Device:
        """Create a new device in a product that allows self-provisioning (`POST /v1/devices`)."""
        body = await self._transport.request(
            "POST", "/v1/devices", json_body={"product_id": product_id}
        )
        return Device.from_api(body)

    async def create_claim_code(
        self,
        *,
        iccid: str | None = None,
        imei: str | None = None,
        activation_code: str | None = None,
        product: ProductId | None = None,
    ) -> ClaimCode:
        """A claim code a device presents during setup to be claimed by you.

        Endpoint: `POST /v1/device_claims` (or `/v1/products/:product/device_claims`).

        Cellular devices claim by `iccid` (or `imei`). With `product=` the token must belong
        to a customer of the product; `activation_code` is for private-beta products.
        """
        body = drop_none({"iccid": iccid, "imei": imei, "activation_code": activation_code})
        result = await self._transport.request(
            "POST", scoped(product, "device_claims"), json_body=body
        )
        return ClaimCode.from_api(result)

    async def update(
        self,
        device_id: str,
        *,
        name: str | None = None,
        notes: str | None = None,
        signal: bool | None = None,
        development: bool | None = None,
        desired_firmware_version: int | None = None,
        flash: bool | None = None,
        product: ProductId | None = None,
        **fields: Any,
    ) -> DeviceUpdate:
        """`PUT /v1/devices/:id` with only the fields given (rename, notes, signal, ...).

        Endpoint: `PUT /v1/devices/:deviceId` (or `/v1/products/:product/devices/:deviceId`).

        `development`, `desired_firmware_version` and `flash` exist only on the product
        form. With `flash=True` the call may flash the device, and `signal` makes it blink,
        so those are never re-sent once they may have reached the server; the other fields
        only set state and are retried like a GET. Other wire fields pass through `**fields`.
        """
        body = drop_none(
            {
                "name": name,
                "notes": notes,
                "signal": None if signal is None else ("1" if signal else "0"),
                "development": development,
                "desired_firmware_version": desired_firmware_version,
                "flash": flash,
                **fields,
            }
        )
        if not body:
            raise ValueError("update() needs at least one field to change")
        if product is None and any(key in body for key in _PRODUCT_ONLY):
            raise ValueError(f"{', '.join(_PRODUCT_ONLY)} can only be set with product=")
        acts = bool(flash) or signal is not None  # the device does something: never re-sent
        return await self._put(device_id, body, product=product, idempotent=not acts)

    async def _put(
        self, device_id: str, body: dict[str, Any], *, product: ProductId | None, idempotent: bool
    ) -> DeviceUpdate:
        """Send a body as-is (an explicit `null` stays); `idempotent` says if it may be re-sent."""
        result = await self._transport.request(
            "PUT",
            scoped(product, "devices/{}", device_id),
            json_body=body,
            idempotent=idempotent,
        )
        return DeviceUpdate.from_api(result or {})

    async def rename(
        self, device_id: str, name: str, *, product: ProductId | None = None
    ) -> DeviceUpdate:
        """Give the device a new name.

        Endpoint: `PUT /v1/devices/:deviceId` (or `/v1/products/:product/devices/:deviceId`).
        """
        return await self.update(device_id, name=name, product=product)

    async def set_notes(
        self, device_id: str, notes: str, *, product: ProductId | None = None
    ) -> DeviceUpdate:
        """Store free-form notes on the device.

        Endpoint: `PUT /v1/devices/:deviceId` (or `/v1/products/:product/devices/:deviceId`).
        """
        return await self.update(device_id, notes=notes, product=product)

    async def signal(
        self, device_id: str, on: bool = True, *, product: ProductId | None = None
    ) -> DeviceUpdate:
        """Make the device's LED shout rainbows (`signal=1`) or stop (`signal=0`).

        Endpoint: `PUT /v1/devices/:deviceId` (or `/v1/products/:product/devices/:deviceId`).
        """
        return await self.update(device_id, signal=on, product=product)

    async def mark_development(
        self, device_id: str, development: bool = True, *, product: ProductId
    ) -> DeviceUpdate:
        """Mark a product device as a development device (it then skips product OTA)."""
        return await self.update(device_id, development=development, product=product)

    async def lock_product_firmware(
        self, device_id: str, version: int, *, product: ProductId, flash: bool | None = None
    ) -> DeviceUpdate:
        """Lock a product device to firmware `version`; `flash=True` updates it now if online."""
        return await self.update(
            device_id, desired_firmware_version=version, flash=flash, product=product
        )

    async def unlock_product_firmware(self, device_id: str, *, product: ProductId) -> DeviceUpdate:
        """Let a product device follow the released firmware again (sends a null lock)."""
        return await self._put(
            device_id, {"desired_firmware_version": None}, product=product, idempotent=True
        )

    async def set_firmware_updates_forced(
        self, device_id: str, forced: bool = True
    ) -> DeviceUpdate:
        """Force-enable OTA updates on a device (`firmware_updates_forced`), or stop forcing.

        Endpoint: `PUT /v1/devices/:deviceId`.
        """
        return await self._put(
            device_id, {"firmware_updates_forced": forced}, product=None, idempotent=True
        )

    async def remove(
        self, device_id: str, *, product: ProductId | None = None, deny: bool | None = None
    ) -> bool:
        """Unclaim the device (or, with `product=`, remove it from the product).

        Endpoint: `DELETE /v1/devices/:deviceId` (or `/v1/products/:product/devices/:deviceId`).

        `deny=True` (product only) denies a quarantined device instead.
        """
        if deny is not None and product is None:
            raise ValueError("deny= needs product=")
        body = None if deny is None else {"deny": deny}
        result = await self._transport.request(
            "DELETE", scoped(product, "devices/{}", device_id), json_body=body, idempotent=True
        )
        return ok(result)

    async def ping(self, device_id: str, *, product: ProductId | None = None) -> PingResult:
        """Ask the cloud whether the device answers right now.

        Endpoint: `PUT /v1/devices/:deviceId/ping` (or
        `/v1/products/:product/devices/:deviceId/ping`).
        """
        body = await self._transport.request(
            "PUT", scoped(product, "devices/{}/ping", device_id), idempotent=False
        )
        return PingResult.from_api(body)

    async def get_variable(
        self,
        device_id: str,
        name: str,
        *,
        product: ProductId | None = None,
    ) -> Any:
        """The variable's current value (the `result` field).

        Endpoint: `GET /v1/devices/:deviceId/:name` (or
        `/v1/products/:product/devices/:deviceId/:name`).

        Raises:
            DeviceOfflineError: the device is offline or did not answer in time.
            NotFoundError: no such device, or its firmware has no variable `name`.
        """
        return (await self.read_variable(device_id, name, product=product)).result

    async def read_variable(
        self,
        device_id: str,
        name: str,
        *,
        product: ProductId | None = None,
    ) -> VariableValue:
        """The whole variable answer, with `coreInfo` kept in `raw`."""
        body = await self._transport.request(
            "GET", scoped(product, "devices/{}/{}", device_id, name)
        )
        return VariableValue.from_api(body)

    async def call_function(
        self,
        device_id: str,
        name: str,
        argument: str = "",
        *,
        product: ProductId | None = None,
    ) -> int:
        """Run a firmware function and return its integer. Never re-sent once it may have run.

        Endpoint: `POST /v1/devices/:deviceId/:name` (or
        `/v1/products/:product/devices/:deviceId/:name`).

        Raises:
            DeviceOfflineError: the device is offline or did not answer.
            NotFoundError: no such device, or its firmware has no function `name`.
            RequestTimeoutError: the cloud gave up waiting; the function may still have run.
        """
        result = await self.call(device_id, name, argument, product=product)
        return result.return_value

    async def call(
        self,
        device_id: str,
        name: str,
        argument: str = "",
        *,
        product: ProductId | None = None,
    ) -> FunctionResult:
        """Like `call_function`, with the whole answer."""
        body = await self._transport.request(
            "POST",
            scoped(product, "devices/{}/{}", device_id, name),
            json_body={"arg": argument},
            idempotent=False,
        )
        return FunctionResult.from_api(body)

    async def unprotect(
        self,
        device_id: str,
        action: Literal["prepare", "confirm"],
        *,
        server_nonce: str | None = None,
        device_nonce: str | None = None,
        device_signature: str | None = None,
        device_public_key_fingerprint: str | None = None,
        product: ProductId | None = None,
        org: str | None = None,
    ) -> UnprotectResult:
        """Disable device protection: `prepare`, have the device sign, then `confirm`.

        Endpoint: `PUT /v1/devices/:deviceId/unprotect` (or
        `/v1/products/:product/devices/:deviceId/unprotect`, or
        `/v1/orgs/:org/devices/:deviceId/unprotect`).

        `confirm` needs the base64 nonces, signature and key fingerprint. The org form wins
        over the product form, as in the JS SDK.
        """
        body = drop_none(
            {
                "action": action,
                "server_nonce": server_nonce,
                "device_nonce": device_nonce,
                "device_signature": device_signature,
                "device_public_key_fingerprint": device_public_key_fingerprint,
            }
        )
        result = await self._transport.request(
            "PUT",
            self.uri(device_id, product=product, org=org) + "/unprotect",
            json_body=body,
            idempotent=False,  # prepare issues a new nonce; confirm spends it
        )
        return UnprotectResult.from_api(result or {})

    def uri(
        self, device_id: str, *, product: ProductId | None = None, org: str | None = None
    ) -> str:
        """The device's API path (org, then product, then user scope); sends nothing.

        Endpoint: `- /v1/devices/:deviceId` (or
        `/v1/products/:product/devices/:deviceId`, or
        `/v1/orgs/:org/devices/:deviceId`).
        """
        if org is not None:
            return path("/v1/orgs/{}/devices/{}", org, device_id)
        return scoped(product, "devices/{}", device_id)

    async def lookup_serial_number(self, serial_number: str) -> SerialNumberInfo:
        """The device ID (and ICCID) behind a printed serial number (50 requests per hour).

        Endpoint: `GET /v1/serial_numbers/:serialNumber`.
        """
        body = await self._transport.request("GET", path("/v1/serial_numbers/{}", serial_number))
        return SerialNumberInfo.from_api(body)

    async def send_public_key(
        self, device_id: str, key: str | bytes, *, algorithm: Literal["rsa", "ecc"] = "rsa"
    ) -> bool:
        """Register a device's public key with the cloud (undocumented provisioning call).

        Endpoint: `POST /v1/provisioning/:deviceId`.
        """
        body = {
            "deviceID": device_id,
            "publicKey": key.decode() if isinstance(key, bytes) else key,
            "filename": "particle-api",
            "order": f"manual_{int(time.time() * 1000)}",
            "algorithm": algorithm,
        }
        result = await self._transport.request(
            "POST", path("/v1/provisioning/{}", device_id), json_body=body
        )
        return ok(result)

    async def download_manufacturing_backup(self, device_id: str) -> bytes:
        """A Tachyon's manufacturing backup files, as raw bytes (`PUT .../backup_files`).

        Endpoint: `PUT /v1/devices/:deviceId/backup_files`.
        """
        result: bytes = await self._transport.request(
            "PUT", path("/v1/devices/{}/backup_files", device_id), expect="bytes", idempotent=True
        )
        return result

    async def search(
        self,
        text: str,
        *,
        type: Literal["device", "product", "sim"] | None = None,
        org: str | None = None,
    ) -> SearchResults:
        """Search devices, products and SIMs by ID, name, serial or ICCID (10 per kind).

        Endpoint: `GET /v1/user/search` (or `/v1/orgs/:org/search`).

        Not paged: when `has_more` is set, narrow `text`.
        """
        where = "/v1/user/search" if org is None else path("/v1/orgs/{}/search", org)
        body = await self._transport.request("GET", where, params={"text": text, "type": type})
        return SearchResults.from_api(body)
