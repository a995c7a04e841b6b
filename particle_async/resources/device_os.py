"""`cloud.device_os`: Device OS versions and the build targets you can compile against."""

from __future__ import annotations

from .._paging import Page, Pager, page_from_body
from ..models.firmware import BuildTargets, DeviceOsVersion
from ._base import Resource, path

__all__ = ["DeviceOS"]


class DeviceOS(Resource):
    """Device OS releases (`/v1/device-os/versions`) and build targets (`/v1/build_targets`)."""

    async def list(
        self,
        *,
        platform_id: int | None = None,
        internal_version: int | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> Page[DeviceOsVersion]:
        """One page of Device OS versions, optionally for one platform."""
        params = {
            "platform_id": platform_id,
            "internal_version": internal_version,
            "page": page,
            "per_page": per_page,
        }
        body = await self._transport.request("GET", "/v1/device-os/versions", params=params)
        return page_from_body(
            body, "versions", DeviceOsVersion.from_api, page=page or 1, per_page=per_page
        )

    def iter(
        self,
        *,
        platform_id: int | None = None,
        internal_version: int | None = None,
        per_page: int = 100,
    ) -> Pager[DeviceOsVersion]:
        """Every Device OS version, page by page (`async for v in cloud.device_os.iter()`).

        Endpoint: `GET /v1/device-os/versions`.
        """
        return Pager.over(
            self.list, platform_id=platform_id, internal_version=internal_version, per_page=per_page
        )

    async def get(self, version: str, *, platform_id: int | None = None) -> DeviceOsVersion:
        """One Device OS version (`GET /v1/device-os/versions/:version`)."""
        body = await self._transport.request(
            "GET",
            path("/v1/device-os/versions/{}", version),
            params={"platform_id": platform_id},
        )
        return DeviceOsVersion.from_api(body)

    async def build_targets(self, *, featured: bool = False) -> BuildTargets:
        """Versions you can compile against (`GET /v1/build_targets`); no token needed.

        `featured=True` asks for the featured ones only. The token is sent when the client
        has one, and left out when it has none.
        """
        body = await self._transport.request(
            "GET",
            "/v1/build_targets",
            params={"featured": True if featured else None},
            authenticated=self._transport.token is not None,
        )
        return BuildTargets.from_api(body)
