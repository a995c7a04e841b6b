"""Models of compiling, flashing, Device OS versions, build targets and product firmware."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, as_tuple, parse_datetime, wire

__all__ = [
    "BuildTarget",
    "BuildTargets",
    "CompileResult",
    "DeviceOsVersion",
    "FirmwareRelease",
    "FlashResult",
    "ProductFirmwareVersion",
]


def _strings(value: Any) -> tuple[str, ...]:
    """`errors` arrive as a list of strings, or one string, or objects with a message."""
    out = []
    for item in as_tuple(value):
        if isinstance(item, Mapping):
            item = item.get("message", item.get("error", item))
        out.append(str(item))
    return tuple(out)


def _ints(value: Any) -> tuple[int, ...]:
    return tuple(i for i in (as_int(v) for v in as_tuple(value)) if i is not None)


def _mapping(value: Any) -> Mapping[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


@attrs.frozen(kw_only=True)
class CompileResult(Model):
    """A cloud compile (`POST /v1/binaries`): where to fetch the binary, or why it failed."""

    ok: bool = wire(convert=as_bool, default=True)
    binary_id: str | None = wire(convert=as_str)
    binary_url: str | None = wire(convert=as_str)
    expires_at: datetime | None = wire(convert=parse_datetime)
    size_info: str | None = wire("sizeInfo", convert=as_str)
    message: str | None = wire(convert=as_str)
    errors: tuple[str, ...] = wire(convert=_strings, factory=tuple)
    output: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class FlashResult(Model):
    """The answer to a flash (`PUT /v1/devices/:id` with a file): started, or why not."""

    ok: bool = wire(convert=as_bool, default=True)
    id: str | None = wire(convert=as_str)
    status: str | None = wire(convert=as_str)
    firmware_binary_id: str | None = wire(convert=as_str)
    errors: tuple[str, ...] = wire(convert=_strings, factory=tuple)
    output: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class BuildTarget(Model):
    """One Device OS version you can compile against, and the platforms it supports."""

    version: str = wire(convert=str, default="")
    firmware_vendor: str | None = wire(convert=as_str)
    platforms: tuple[int, ...] = wire(convert=_ints, factory=tuple)
    prereleases: tuple[int, ...] = wire(convert=_ints, factory=tuple)

    def supports(self, platform_id: int) -> bool:
        return platform_id in self.platforms


@attrs.frozen(kw_only=True)
class BuildTargets(Model):
    """`GET /v1/build_targets`: every target, platform names to ids, default versions."""

    targets: tuple[BuildTarget, ...] = wire(
        convert=lambda v: tuple(BuildTarget.list_from_api(v)), factory=tuple
    )
    platforms: Mapping[str, int] = wire(convert=_mapping, factory=dict)
    default_versions: Mapping[str, str] = wire(convert=_mapping, factory=dict)

    def for_platform(self, platform_id: int) -> list[BuildTarget]:
        """The targets that can build for `platform_id`, in the order the API gave them."""
        return [t for t in self.targets if t.supports(platform_id)]


@attrs.frozen(kw_only=True)
class DeviceOsVersion(Model):
    """A Device OS release as `/v1/device-os/versions` describes it."""

    version: str = wire(convert=str, default="")
    platform_id: int | None = wire(convert=as_int)
    internal_version: int | None = wire(convert=as_int)
    module_version: int | None = wire(convert=as_int)
    release_date: datetime | None = wire(convert=parse_datetime)


@attrs.frozen(kw_only=True)
class ProductFirmwareVersion(Model):
    """One uploaded product firmware version."""

    version: int = wire(convert=lambda v: as_int(v) or 0, default=0)
    title: str | None = wire(convert=as_str)
    description: str | None = wire(convert=as_str)
    size: int | None = wire(convert=as_int)
    device_count: int | None = wire(convert=as_int)
    current: bool = wire(convert=as_bool, default=False)
    product_default: bool | None = wire(convert=as_bool)
    mandatory: bool | None = wire(convert=as_bool)
    groups: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    uploaded_on: datetime | None = wire(convert=parse_datetime)
    uploaded_by: Any = wire()
    updated_at: datetime | None = wire(convert=parse_datetime)
    product_id: int | None = wire(convert=as_int)


@attrs.frozen(kw_only=True)
class FirmwareRelease(Model):
    """The answer to releasing a product firmware version (`PUT .../firmware/release`)."""

    ok: bool = wire(convert=as_bool, default=True)
    version: int | None = wire(convert=as_int)
    product_default: bool | None = wire(convert=as_bool)
    groups: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    intelligent: bool | None = wire(convert=as_bool)
    updated_at: datetime | None = wire(convert=parse_datetime)
