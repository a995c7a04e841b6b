"""Models of the devices API: a device, a variable read, a function call's result, and the
answers of the calls that share `PUT /v1/devices/:id` and `POST /v1/devices`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, as_tuple, parse_datetime, wire

__all__ = [
    "ClaimCode",
    "ClaimResult",
    "Device",
    "DeviceUpdate",
    "FunctionResult",
    "PingResult",
    "SearchResults",
    "SerialNumberInfo",
    "UnprotectResult",
    "VariableValue",
]


def _variables(value: Any) -> Mapping[str, str]:
    return dict(value) if isinstance(value, Mapping) else {}


def _maybe_bool(value: Any) -> bool | None:
    return None if value is None else as_bool(value)


def _mappings(value: Any) -> tuple[Mapping[str, Any], ...]:
    return tuple(dict(item) for item in as_tuple(value) if isinstance(item, Mapping))


@attrs.frozen(kw_only=True)
class Device(Model):
    """A device as listed or fetched; everything else the API sends is in `raw`.

    The product-only fields (`firmware_version`, `desired_firmware_version`, `groups`,
    `development`, `quarantined`, `denied`, ...) are filled when read through a product.

    Attributes:
        id: the 24-character hex device id.
        name: its name (unique per account).
        connected: connected to the cloud, as older answers say it.
        online: online, as newer answers say it; use `is_online`, which reads either.
        platform_id: the hardware platform (6 Photon, 13 Boron, 32 P2, ...).
        product_id: the product it belongs to (its platform id when in no product).
        last_heard: when the cloud last heard from it.
        last_handshake_at: when it last made a full cloud handshake.
        last_ip_address: the public IP address it last connected from.
        last_app: the last application it reported (older answers).
        serial_number: the printed serial number.
        iccid: the SIM's ICCID (cellular devices).
        imei: the modem's IMEI (cellular devices).
        notes: free-form notes (`set_notes`).
        status: `normal`, or the state of a device being set up.
        owner: the owning user (product devices).
        cellular: it has a cellular modem.
        development: a product development device: it skips product OTA (product only).
        quarantined: waiting for approval to join the product (product only).
        denied: refused by the product (product only).
        system_firmware_version: the Device OS version it runs.
        firmware_version: the product firmware version it runs (product only).
        firmware_product_id: the product id its firmware declares.
        desired_firmware_version: the version it is locked to, if any (product only).
        targeted_firmware_release_version: the released version it will get (product only).
        firmware_updates_enabled: the device accepts OTA updates now.
        firmware_updates_forced: OTA updates are forced on, whatever the firmware says.
        mobile_secret: the secret used by mobile setup (hidden from repr).
        groups: the device groups it is in (product only).
        functions: names of the functions its firmware exposes (`get` only).
        variables: variable names to their types (`get` only).
    """

    id: str = wire(convert=str, default="")
    name: str | None = wire(convert=as_str)
    connected: bool = wire(convert=as_bool, default=False)
    online: bool | None = wire(convert=as_bool)
    platform_id: int | None = wire(convert=as_int)
    product_id: int | None = wire(convert=as_int)
    last_heard: datetime | None = wire(convert=parse_datetime)
    last_handshake_at: datetime | None = wire(convert=parse_datetime)
    last_ip_address: str | None = wire(convert=as_str)
    last_app: str | None = wire(convert=as_str)
    serial_number: str | None = wire(convert=as_str)
    iccid: str | None = wire(convert=as_str)
    imei: str | None = wire(convert=as_str)
    notes: str | None = wire(convert=as_str)
    status: str | None = wire(convert=as_str)
    owner: str | None = wire(convert=as_str)
    cellular: bool = wire(convert=as_bool, default=False)
    development: bool = wire(convert=as_bool, default=False)
    quarantined: bool = wire(convert=as_bool, default=False)
    denied: bool = wire(convert=as_bool, default=False)
    system_firmware_version: str | None = wire(convert=as_str)
    firmware_version: int | None = wire(convert=as_int)
    firmware_product_id: int | None = wire(convert=as_int)
    desired_firmware_version: int | None = wire(convert=as_int)
    targeted_firmware_release_version: int | None = wire(convert=as_int)
    firmware_updates_enabled: bool | None = wire(convert=_maybe_bool)
    firmware_updates_forced: bool | None = wire(convert=_maybe_bool)
    mobile_secret: str | None = wire(convert=as_str, repr=False)
    groups: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    functions: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    variables: Mapping[str, str] = wire(convert=_variables, factory=dict)

    @property
    def is_online(self) -> bool:
        """`online` when the API sends it (newer eras), else `connected`."""
        return self.connected if self.online is None else self.online


@attrs.frozen(kw_only=True)
class VariableValue(Model):
    """A variable read: `result` is whatever the firmware exposed (number, str, bool).

    Attributes:
        name: the variable's name.
        result: its value as the firmware exposes it (number, string or bool).
        device_id: the device that answered (from `coreInfo.deviceID`).
    """

    name: str = wire(convert=str, default="")
    result: Any = wire()
    device_id: str | None = wire("coreInfo", convert=lambda info: (info or {}).get("deviceID"))


@attrs.frozen(kw_only=True)
class FunctionResult(Model):
    """A function call's answer: `return_value` is the firmware handler's integer.

    Attributes:
        id: the device id.
        name: the device name.
        connected: the device was connected (the call reached it).
        return_value: the integer the firmware's handler returned.
    """

    id: str | None = wire(convert=as_str)
    name: str | None = wire(convert=as_str)
    connected: bool = wire(convert=as_bool, default=True)
    return_value: int = wire(convert=lambda v: as_int(v) or 0, default=0)


@attrs.frozen(kw_only=True)
class PingResult(Model):
    """The answer of a ping: whether the device answered.

    Attributes:
        online: the device answered the cloud's ping just now.
        ok: the API accepted the request.
    """

    online: bool = wire(convert=as_bool, default=False)
    ok: bool = wire(convert=as_bool, default=False)


@attrs.frozen(kw_only=True)
class ClaimResult(Model):
    """`POST /v1/devices` (claim): `claimed`, or a `transfer_id` when a transfer was asked.

    Attributes:
        ok: the API accepted the request.
        id: the device id, in some answers.
        device_id: the device id (wire key `deviceID`).
        claimed: the device is now yours.
        transfer_id: set when a transfer from the current owner was requested.
        user_id: the new owner's user id.
    """

    ok: bool = wire(convert=as_bool, default=False)
    id: str | None = wire(convert=as_str)
    device_id: str | None = wire("deviceID", convert=as_str)
    claimed: bool | None = wire(convert=_maybe_bool)
    transfer_id: str | None = wire(convert=as_str)
    user_id: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class DeviceUpdate(Model):
    """The answer of `PUT /v1/devices/:id` (rename, notes, signal, groups, firmware lock...).

    The API echoes only what changed, so most fields are None; `raw` has the rest.

    Attributes:
        id: the device id.
        name: its name after the change.
        notes: its notes after the change.
        connected: whether it is connected.
        signaling: whether it is signaling (rainbow LED).
        development: whether it is a development device.
        groups: its groups after the change (None when the answer does not say).
        desired_firmware_version: the firmware version it is locked to, if any.
        firmware_updates_forced: whether OTA updates are forced on.
        updated_at: when the change was made.
    """

    id: str | None = wire(convert=as_str)
    name: str | None = wire(convert=as_str)
    notes: str | None = wire(convert=as_str)
    connected: bool | None = wire(convert=_maybe_bool)
    signaling: bool | None = wire(convert=_maybe_bool)
    development: bool | None = wire(convert=_maybe_bool)
    groups: tuple[str, ...] | None = wire(convert=lambda v: None if v is None else as_tuple(v))
    desired_firmware_version: int | None = wire(convert=as_int)
    firmware_updates_forced: bool | None = wire(convert=_maybe_bool)
    updated_at: datetime | None = wire(convert=parse_datetime)


@attrs.frozen(kw_only=True)
class ClaimCode(Model):
    """`POST /v1/device_claims`: a code the device presents to claim itself to you.

    Attributes:
        claim_code: the code to give the device during setup.
        device_ids: ids of the devices already claimed to your account.
    """

    claim_code: str = wire(convert=str, default="", repr=False)
    device_ids: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)


@attrs.frozen(kw_only=True)
class SerialNumberInfo(Model):
    """`GET /v1/serial_numbers/:serial`: the device (and SIM) behind a printed serial number.

    The docs send `deviceID`, the SDK types say `device_id`: either fills `device_id`.

    Attributes:
        ok: the serial number is known.
        device_id: the device id (wire key `deviceID`).
        iccid: the SIM's ICCID, for cellular devices.
        serial_number: the serial number looked up.
        platform_id: the device's platform.
    """

    ok: bool = wire(convert=as_bool, default=True)
    device_id: str | None = wire("deviceID", convert=as_str)
    iccid: str | None = wire(convert=as_str)
    serial_number: str | None = wire(convert=as_str)
    platform_id: int | None = wire(convert=as_int)

    @classmethod
    def from_api(cls, data: Any) -> SerialNumberInfo:
        """Parse the lookup answer; accepts `device_id` where older answers send `deviceID`."""
        if isinstance(data, Mapping) and "deviceID" not in data and "device_id" in data:
            parsed = super().from_api({**data, "deviceID": data["device_id"]})
            return attrs.evolve(parsed, raw=data)
        return super().from_api(data)


@attrs.frozen(kw_only=True)
class UnprotectResult(Model):
    """`PUT .../unprotect`: `prepare` answers a `server_nonce` to sign; `confirm` answers ok.

    Attributes:
        ok: the step succeeded.
        server_nonce: the nonce the device must sign (`prepare` only).
    """

    ok: bool = wire(convert=as_bool, default=True)
    server_nonce: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class SearchResults(Model):
    """`GET /v1/user/search`: matching devices, products and SIMs (at most 10 of each kind).

    The result lists are read from `results` (or per-kind `devices`/`products`/`sims`);
    `has_more` (camelCase `hasMore` on the wire) says more matches exist: refine `text`.

    Attributes:
        results: every match, in the API's order.
        devices: the matching devices.
        products: the matching products.
        sims: the matching SIMs.
        has_more: more matched than were returned: narrow the text (wire key `hasMore`).
    """

    results: tuple[Mapping[str, Any], ...] = wire(convert=_mappings, factory=tuple)
    devices: tuple[Mapping[str, Any], ...] = wire(convert=_mappings, factory=tuple)
    products: tuple[Mapping[str, Any], ...] = wire(convert=_mappings, factory=tuple)
    sims: tuple[Mapping[str, Any], ...] = wire(convert=_mappings, factory=tuple)
    has_more: bool = wire("hasMore", convert=as_bool, default=False)
