"""Models of asset-tracking location: where a product device is, or has been."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, as_tuple, parse_datetime, wire

__all__ = ["DeviceLocation"]


def _mapping(value: Any) -> Mapping[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _times(value: Any) -> tuple[datetime, ...]:
    parsed = (parse_datetime(v) for v in as_tuple(value))
    return tuple(t for t in parsed if t is not None)


def _mappings(value: Any) -> tuple[Mapping[str, Any], ...]:
    return tuple(dict(v) for v in as_tuple(value) if isinstance(v, Mapping))


def _maybe_bool(value: Any) -> bool | None:
    return None if value is None else as_bool(value)


@attrs.frozen(kw_only=True)
class DeviceLocation(Model):
    """A device's last known position (a GeoJSON `Point`) or its track (`LineString`).

    `timestamps` has one entry per point and `properties` (single-device queries) one
    mapping per point (`hd`, `acc_h`, `speed`, ...). GeoJSON order is longitude, latitude.

    Attributes:
        device_id: the device.
        device_name: its name.
        product_id: its product.
        groups: its device groups.
        gps_lock: the position came from a GPS fix.
        online: whether the device is online.
        last_heard: when the cloud last heard from it.
        timestamps: when each point of a track was taken.
        timestamp: when the (last) position was taken.
        geometry: the GeoJSON geometry: a `Point` or a `LineString` of `[lon, lat]`.
        properties: per-point details (accuracy, speed, heading, ...), as sent.
    """

    device_id: str = wire(convert=str, default="")
    device_name: str | None = wire(convert=as_str)
    product_id: int | None = wire(convert=as_int)
    groups: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    gps_lock: bool | None = wire(convert=_maybe_bool)
    online: bool | None = wire(convert=_maybe_bool)
    last_heard: datetime | None = wire(convert=parse_datetime)
    timestamps: tuple[datetime, ...] = wire(convert=_times, factory=tuple)
    timestamp: datetime | None = wire(convert=parse_datetime)
    geometry: Mapping[str, Any] = wire(convert=_mapping, factory=dict)
    properties: tuple[Mapping[str, Any], ...] = wire(convert=_mappings, factory=tuple)

    @property
    def geometry_type(self) -> str | None:
        """The GeoJSON geometry type (`Point`, `LineString`), if any."""
        return as_str(self.geometry.get("type"))

    @property
    def points(self) -> list[tuple[float, float]]:
        """Every position as `(longitude, latitude)`, oldest first (one for a `Point`)."""
        coordinates = self.geometry.get("coordinates") or []
        if coordinates and not isinstance(coordinates[0], (list, tuple)):
            coordinates = [coordinates]
        return [(float(c[0]), float(c[1])) for c in coordinates if len(c) >= 2]

    @property
    def latest(self) -> tuple[float, float] | None:
        """The most recent `(longitude, latitude)`, if any."""
        points = self.points
        return points[-1] if points else None
