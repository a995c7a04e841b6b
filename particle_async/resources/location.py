"""`cloud.location`: where a product's asset trackers are, or have been."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .._paging import Page, Pager, page_from_body
from ..models.location import DeviceLocation
from ._base import ProductId, Resource, path, unwrap

__all__ = ["Location"]

DEFAULT_PER_PAGE = 20


DateRange = str | tuple[datetime | str, datetime | str]
"""`"start,end"` in ISO 8601, or a `(start, end)` pair of datetimes or ISO strings."""
Corner = str | tuple[float, float]
"""A bounding-box corner: `"lat,lon"` or a `(latitude, longitude)` pair."""


def _range(value: DateRange | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(v.isoformat() if isinstance(v, datetime) else v for v in value)


def _corner(value: Corner | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return f"{value[0]},{value[1]}"


def _area(
    date_range: DateRange | None, rect_bl: Corner | None, rect_tr: Corner | None
) -> dict[str, Any]:
    return {
        "date_range": _range(date_range),
        "rect_bl": _corner(rect_bl),
        "rect_tr": _corner(rect_tr),
    }


class Location(Resource):
    """Location queries for a product (id or slug). Omit `date_range` for the last known
    positions; give it for the tracks within that time."""

    async def list(
        self,
        product: ProductId,
        *,
        date_range: DateRange | None = None,
        rect_bl: Corner | None = None,
        rect_tr: Corner | None = None,
        device_id: str | None = None,
        device_name: str | None = None,
        groups: Sequence[str] | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> Page[DeviceLocation]:
        """One page of device locations (20 per page by default, at most 100), optionally
        inside the box `rect_bl`..`rect_tr`, for devices whose ID or name starts with
        `device_id`/`device_name`, in any of `groups`. `total` is the devices found.

        Endpoint: `GET /v1/products/:product/locations`.
        """
        params: dict[str, Any] = {
            **_area(date_range, rect_bl, rect_tr),
            "device_id": device_id,
            "device_name": device_name,
            "page": page,
            "per_page": per_page,
        }
        # The JS SDK sends the groups array in qs form: groups[0]=a&groups[1]=b.
        params.update({f"groups[{i}]": group for i, group in enumerate(groups or ())})
        body = await self._transport.request(
            "GET", path("/v1/products/{}/locations", product), params=params
        )
        result = page_from_body(
            body, "locations", DeviceLocation.from_api, page=page or 1, per_page=per_page
        )
        meta = body.get("meta") if isinstance(body, dict) else None
        found = meta.get("devices_found") if isinstance(meta, dict) else None
        if result.total is None and isinstance(found, int):
            return Page(
                result.items,
                page=result.page,
                per_page=result.per_page,
                total_pages=result.total_pages,
                total=found,
                has_more=result.has_more,
            )
        return result

    def iter(
        self,
        product: ProductId,
        *,
        date_range: DateRange | None = None,
        rect_bl: Corner | None = None,
        rect_tr: Corner | None = None,
        device_id: str | None = None,
        device_name: str | None = None,
        groups: Sequence[str] | None = None,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Pager[DeviceLocation]:
        """Every matching device location, walking the pages lazily."""
        return Pager.over(
            self.list,
            product,
            date_range=date_range,
            rect_bl=rect_bl,
            rect_tr=rect_tr,
            device_id=device_id,
            device_name=device_name,
            groups=groups,
            per_page=per_page,
        )

    async def get(
        self,
        product: ProductId,
        device_id: str,
        *,
        date_range: DateRange | None = None,
        rect_bl: Corner | None = None,
        rect_tr: Corner | None = None,
    ) -> DeviceLocation:
        """One device's last known position, or its track within `date_range`, with the
        per-point `properties` (heading, accuracy, speed, custom data).

        Endpoint: `GET /v1/products/:product/locations/:deviceId`.
        """
        body = await self._transport.request(
            "GET",
            path("/v1/products/{}/locations/{}", product, device_id),
            params=_area(date_range, rect_bl, rect_tr),
        )
        return DeviceLocation.from_api(unwrap(body, "location"))

    async def fleet(
        self,
        product: ProductId,
        *,
        device_id: str | None = None,
        device_name: str | None = None,
        groups: Sequence[str] | None = None,
    ) -> builtins.list[DeviceLocation]:
        """The last known location of every device of the product, in one answer.

        Endpoint: `GET /v1/products/:product/fleet_locations`.
        """
        params = {
            "device_id": device_id,
            "device_name": device_name,
            "groups": ",".join(groups) if groups else None,
        }
        body = await self._transport.request(
            "GET", path("/v1/products/{}/fleet_locations", product), params=params
        )
        items = body.get("locations", []) if isinstance(body, dict) else body
        return DeviceLocation.list_from_api(items)
