"""Models of product configuration (Tracker-style config schemas and values)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._base import Model, wire

__all__ = ["ConfigurationUpdate", "DeviceConfiguration", "ProductConfiguration"]


def _mapping(value: Any) -> Mapping[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


@attrs.frozen(kw_only=True)
class ProductConfiguration(Model):
    """The product's default configuration values, section by section (`location`, ...).

    Attributes:
        configuration: the product's configuration, section by section.
    """

    configuration: Mapping[str, Any] = wire(convert=_mapping, factory=dict)

    def section(self, name: str) -> Mapping[str, Any]:
        """One top-level section of the configuration (`location`, `sleep`, ...), or `{}`."""
        value = self.configuration.get(name)
        return value if isinstance(value, Mapping) else {}


def _current(value: Any) -> Mapping[str, Any]:
    return _mapping(_mapping(value).get("current"))


def _pending(value: Any) -> Mapping[str, Any]:
    return _mapping(_mapping(value).get("pending"))


@attrs.frozen(kw_only=True)
class DeviceConfiguration(Model):
    """A device's configuration: what it confirmed (`current`) and what it will get (`pending`).

    Attributes:
        current: the configuration the device last confirmed.
        pending: the configuration it will get when it next connects (empty: none).
    """

    current: Mapping[str, Any] = wire("configuration", convert=_current, factory=dict)
    pending: Mapping[str, Any] = wire("configuration", convert=_pending, factory=dict)

    @property
    def in_sync(self) -> bool:
        """No change is waiting for the device."""
        return not self.pending or dict(self.pending) == dict(self.current)


@attrs.frozen(kw_only=True)
class ConfigurationUpdate(Model):
    """The answer of setting configuration: `status` 200 applied, 202 accepted for later.

    A product-wide update always answers 202 (devices pick it up as they connect); a device
    update answers 202 when the device is offline.

    Attributes:
        status: the HTTP status: 200 applied now, 202 applied when the device connects.
    """

    status: int = wire(convert=int, default=200)

    @property
    def pending(self) -> bool:
        """The device is offline; it gets the configuration when it returns (HTTP 202)."""
        return self.status == 202

    @property
    def applied(self) -> bool:
        """The device took the configuration now (HTTP 200)."""
        return self.status == 200
