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
    """A cloud compile (`POST /v1/binaries`): where to fetch the binary, or why it failed.

    Attributes:
        ok: the compile succeeded.
        binary_id: the binary's id, for `cloud.firmware.download_binary`.
        binary_url: the path to download the binary from.
        expires_at: when the binary is deleted from the cloud.
        size_info: the linker's size report (wire key `sizeInfo`).
        message: the API's message, usually on failure.
        errors: compiler errors, one per entry.
        output: the compiler's output summary.
    """

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
    """The answer to a flash (`PUT /v1/devices/:id` with a file): started, or why not.

    Attributes:
        ok: the flash was accepted (started); the device updates when it can.
        id: the device id.
        status: the API's status text (`Update started`).
        firmware_binary_id: the binary being flashed, when the cloud compiled it.
        errors: compile errors when flashing sources failed.
        output: the compiler's output summary.
    """

    ok: bool = wire(convert=as_bool, default=True)
    id: str | None = wire(convert=as_str)
    status: str | None = wire(convert=as_str)
    firmware_binary_id: str | None = wire(convert=as_str)
    errors: tuple[str, ...] = wire(convert=_strings, factory=tuple)
    output: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class BuildTarget(Model):
    """One Device OS version you can compile against, and the platforms it supports.

    Attributes:
        version: the Device OS version, e.g. `4.2.0`.
        firmware_vendor: who ships it (`Particle`).
        platforms: platform ids it builds for.
        prereleases: platform ids for which this version is still a prerelease.
    """

    version: str = wire(convert=str, default="")
    firmware_vendor: str | None = wire(convert=as_str)
    platforms: tuple[int, ...] = wire(convert=_ints, factory=tuple)
    prereleases: tuple[int, ...] = wire(convert=_ints, factory=tuple)

    def supports(self, platform_id: int) -> bool:
        """Whether this Device OS version builds for `platform_id`."""
        return platform_id in self.platforms


@attrs.frozen(kw_only=True)
class BuildTargets(Model):
    """`GET /v1/build_targets`: every target, platform names to ids, default versions.

    Attributes:
        targets: every `BuildTarget`.
        platforms: platform names to ids (`{"photon": 6, ...}`).
        default_versions: platform id (as text) to the version used when none is asked for.
    """

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
    """A Device OS release as `/v1/device-os/versions` describes it.

    Attributes:
        version: the semantic version, e.g. `5.6.0`.
        platform_id: the platform this entry is for.
        internal_version: the numeric system version the device reports.
        module_version: the version of the system module.
        release_date: when it was released.
    """

    version: str = wire(convert=str, default="")
    platform_id: int | None = wire(convert=as_int)
    internal_version: int | None = wire(convert=as_int)
    module_version: int | None = wire(convert=as_int)
    release_date: datetime | None = wire(convert=parse_datetime)


@attrs.frozen(kw_only=True)
class ProductFirmwareVersion(Model):
    """One uploaded product firmware version.

    Attributes:
        version: the version number the firmware declares (`PRODUCT_VERSION`).
        title: a short name for the version.
        description: free-form notes.
        size: the binary's size in bytes.
        device_count: how many devices run it.
        current: it is the released (product default) version.
        product_default: it is the product's default firmware.
        mandatory: devices must take it before a later version (enterprise).
        groups: device groups it is released to.
        uploaded_on: when it was uploaded.
        uploaded_by: who uploaded it, as the API sends it (a user object or a name).
        updated_at: when it last changed.
        product_id: the product it belongs to.
    """

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
    """The answer to releasing a product firmware version (`PUT .../firmware/release`).

    Attributes:
        ok: the release was accepted.
        version: the firmware version released.
        product_default: it is now the product's default firmware.
        groups: the device groups it was released to.
        intelligent: intelligent firmware release (devices get it when they can take it).
        updated_at: when the release changed.
    """

    ok: bool = wire(convert=as_bool, default=True)
    version: int | None = wire(convert=as_int)
    product_default: bool | None = wire(convert=as_bool)
    groups: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    intelligent: bool | None = wire(convert=as_bool)
    updated_at: datetime | None = wire(convert=parse_datetime)
