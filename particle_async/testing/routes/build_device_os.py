"""Device OS: the build targets (`/v1/build_targets`, no token needed) and the Device OS
versions (`/v1/device-os/versions`, a bare array paged by `page`/`per_page`), from one
fixed catalog of releases that compiles and flashes (`build_firmware`) also check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._wire import Ctx, api, as_bool, as_int, fail, json_response

PLATFORMS: dict[str, int] = {
    "Core": 0,
    "Photon": 6,
    "P1": 8,
    "Electron": 10,
    "Argon": 12,
    "Boron": 13,
    "BSoM": 23,
    "B5SoM": 25,
    "Tracker": 26,
    "TrackerM": 28,
    "P2": 32,
    "MSoM": 35,
    "Electron2": 37,
}
_GEN3 = (12, 13, 23, 25, 26, 28, 32, 35, 37)


@dataclass(frozen=True)
class Target:
    """A Device OS release: the platforms it builds for (`prerelease` ones too)."""

    version: str
    platforms: tuple[int, ...]
    released: str  # release date, ISO 8601
    featured: bool = False
    prerelease: bool = False


TARGETS: tuple[Target, ...] = (
    Target("6.4.0-rc.1", _GEN3, "2025-03-04T00:00:00.000Z", prerelease=True),
    Target("6.3.2", _GEN3, "2025-01-21T00:00:00.000Z", featured=True),
    Target("6.2.1", _GEN3, "2024-11-12T00:00:00.000Z"),
    Target("6.1.1", _GEN3, "2024-06-18T00:00:00.000Z"),
    Target("5.9.0", (12, 13, 23, 25, 26, 32, 35), "2024-08-27T00:00:00.000Z", featured=True),
    Target("4.2.0", (12, 13, 23, 25, 26, 32), "2023-09-19T00:00:00.000Z", featured=True),
    Target("2.3.1", (6, 8, 10, 12, 13, 23, 25, 26), "2022-11-15T00:00:00.000Z", featured=True),
    Target("1.5.2", (6, 8, 10, 12, 13, 23), "2020-06-30T00:00:00.000Z"),
    Target("0.7.0", (0, 6, 8, 10), "2017-11-01T00:00:00.000Z"),
)
DEFAULT_VERSIONS: dict[int, str] = {0: "0.7.0", 6: "2.3.1", 8: "2.3.1", 10: "2.3.1"} | {
    p: "6.3.2" for p in _GEN3
}


def internal_version(version: str) -> int:
    """The module version the cloud reports: 6.3.2 -> 6302 (prerelease tags ignored)."""
    major, minor, patch = (int(p) for p in version.split("-")[0].split("."))
    return major * 1000 + minor * 100 + patch


def target_for(platform_id: int, version: str | None) -> str:
    """The version a build uses: the one asked for, or the platform's default."""
    if version is None:
        if platform_id not in DEFAULT_VERSIONS:
            raise fail(400, f"Platform {platform_id} is not supported")
        return DEFAULT_VERSIONS[platform_id]
    if not any(t.version == version and platform_id in t.platforms for t in TARGETS):
        raise fail(400, f"Device OS {version} is not a build target for platform {platform_id}")
    return version


# -- routes ----------------------------------------------------------------------------


async def build_targets(request: Request) -> Response:
    """`GET /v1/build_targets`: no token needed (any token sent is ignored)."""
    featured = as_bool(request.query_params.get("featured", "false"))
    chosen = [t for t in TARGETS if t.featured or not featured]
    return json_response(
        {
            "targets": [
                {
                    "platforms": list(t.platforms),
                    "prereleases": list(t.platforms) if t.prerelease else [],
                    "firmware_vendor": "Particle",
                    "version": t.version,
                }
                for t in chosen
            ],
            "platforms": dict(PLATFORMS),
            "default_versions": {str(p): v for p, v in DEFAULT_VERSIONS.items()},
        }
    )


def os_version_view(target: Target, platform_id: int) -> dict[str, Any]:
    number = internal_version(target.version)
    return {
        "version": target.version,
        "platform_id": platform_id,
        "internal_version": number,
        "module_version": number,
        "release_date": target.released,
        "prerelease": target.prerelease,
    }


async def list_os_versions(ctx: Ctx) -> Response:
    """A bare array, newest first, paged by `page`/`per_page` (25 by default)."""
    platform, internal = ctx.query("platform_id"), ctx.query("internal_version")
    wanted = None if platform is None else as_int(platform, "platform_id")
    number = None if internal is None else as_int(internal, "internal_version")
    rows = [
        os_version_view(t, p)
        for t in TARGETS
        for p in t.platforms
        if wanted in (None, p) and number in (None, internal_version(t.version))
    ]
    page = as_int(ctx.query("page") or 1, "page", minimum=1)
    per_page = as_int(ctx.query("per_page", "perPage") or 25, "per_page", minimum=1)
    return json_response(rows[(page - 1) * per_page : page * per_page])


async def get_os_version(ctx: Ctx) -> Response:
    """One version; for `platform_id` when given, else its first platform."""
    target = next((t for t in TARGETS if t.version == ctx.path("version")), None)
    platform = ctx.query("platform_id")
    wanted = None if platform is None else as_int(platform, "platform_id")
    if target is None or wanted not in (None, *target.platforms):
        raise fail(404, "Device OS version not found")
    return json_response(os_version_view(target, target.platforms[0] if wanted is None else wanted))


routes: list[Route] = [
    Route("/v1/build_targets", build_targets, methods=["GET"]),
    api("/v1/device-os/versions", list_os_versions, "GET"),
    api("/v1/device-os/versions/{version}", get_os_version, "GET"),
]
