"""Models of remote diagnostics: a device-vitals record and the answer of a refresh."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_str, parse_datetime, wire

__all__ = ["DiagnosticsRecord", "DiagnosticsRefresh"]


def _mapping(value: Any) -> Mapping[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


@attrs.frozen(kw_only=True)
class DiagnosticsRecord(Model):
    """One device-vitals payload (`device.network.signal.strength`, `device.power...`).

    Attributes:
        device_id: the device (wire key `deviceID`).
        updated_at: when the device sent these vitals.
        payload: the vitals, nested as sent (`device.network.signal.strength`, ...).
    """

    device_id: str | None = wire("deviceID", convert=as_str)
    updated_at: datetime | None = wire(convert=parse_datetime)
    payload: Mapping[str, Any] = wire(convert=_mapping, factory=dict)

    def vital(self, dotted: str, default: Any = None) -> Any:
        """A vital by its dotted path, e.g. `record.vital("device.power.battery.charge")`."""
        node: Any = self.payload
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node


@attrs.frozen(kw_only=True)
class DiagnosticsRefresh(Model):
    """`POST .../diagnostics/:id/update` answers 202 at once; the vitals arrive later.

    Attributes:
        ok: the device was asked to send fresh vitals (they arrive later).
    """

    ok: bool = wire(convert=as_bool, default=True)
