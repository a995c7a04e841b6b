"""Models of device groups: a group of a product, and the OTA impact of a groups change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._base import Model, as_int, as_str, as_tuple, wire

__all__ = ["DeviceGroup", "GroupImpact"]


@attrs.frozen(kw_only=True)
class DeviceGroup(Model):
    """A product's device group; `fw_version` is the firmware released to it, if any.

    Attributes:
        name: the group's name (its id in paths).
        description: free-form description.
        color: the colour shown in the console, as `#rrggbb`.
        fw_version: the product firmware version released to the group, if any.
        device_count: how many devices are in it.
    """

    name: str = wire(convert=str, default="")
    description: str | None = wire(convert=as_str)
    color: str | None = wire(convert=as_str)
    fw_version: int | None = wire(convert=as_int)
    device_count: int | None = wire(convert=as_int)


@attrs.frozen(kw_only=True)
class GroupImpact(Model):
    """`GET /v1/products/:product/impact`: how many devices a release change would update.

    The docs show the counts both at `firmware_update` and under `devices.firmware_update`;
    both are read.
    """

    @property
    def firmware_update(self) -> Mapping[str, Any]:
        """The `firmware_update` part of the answer (devices that would get new firmware), or
        `{}`."""
        outer = self.raw.get("devices")
        source = outer if isinstance(outer, Mapping) else self.raw
        inner = source.get("firmware_update")
        return inner if isinstance(inner, Mapping) else {}

    @property
    def total(self) -> int:
        """Devices that would receive an OTA update."""
        return as_int(self.firmware_update.get("total")) or 0

    @property
    def by_version(self) -> dict[int, int]:
        """Devices per firmware version they would be flashed with."""
        counts: dict[int, int] = {}
        for row in as_tuple(self.firmware_update.get("by_version")):
            if isinstance(row, Mapping) and as_int(row.get("version")) is not None:
                counts[as_int(row["version"]) or 0] = as_int(row.get("total")) or 0
        return counts
