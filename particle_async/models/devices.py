"""Models of the devices API: a device, a variable read, a function call's result."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, as_tuple, parse_datetime, wire

__all__ = ["ClaimResult", "Device", "FunctionResult", "PingResult", "VariableValue"]


def _variables(value: Any) -> Mapping[str, str]:
    return dict(value) if isinstance(value, Mapping) else {}


@attrs.frozen(kw_only=True)
class Device(Model):
    """A device as listed or fetched; everything else the API sends is in `raw`."""

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
    groups: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    functions: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    variables: Mapping[str, str] = wire(convert=_variables, factory=dict)

    @property
    def is_online(self) -> bool:
        """`online` when the API sends it (newer eras), else `connected`."""
        return self.connected if self.online is None else self.online


@attrs.frozen(kw_only=True)
class VariableValue(Model):
    """A variable read: `result` is whatever the firmware exposed (number, str, bool)."""

    name: str = wire(convert=str, default="")
    result: Any = wire()
    device_id: str | None = wire("coreInfo", convert=lambda info: (info or {}).get("deviceID"))


@attrs.frozen(kw_only=True)
class FunctionResult(Model):
    """A function call's answer: `return_value` is the firmware handler's integer."""

    id: str | None = wire(convert=as_str)
    name: str | None = wire(convert=as_str)
    connected: bool = wire(convert=as_bool, default=True)
    return_value: int = wire(convert=lambda v: as_int(v) or 0, default=0)


@attrs.frozen(kw_only=True)
class PingResult(Model):
    online: bool = wire(convert=as_bool, default=False)
    ok: bool = wire(convert=as_bool, default=False)


@attrs.frozen(kw_only=True)
class ClaimResult(Model):
    ok: bool = wire(convert=as_bool, default=False)
    id: str | None = wire(convert=as_str)
    user_id: str | None = wire(convert=as_str)
