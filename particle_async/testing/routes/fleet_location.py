"""Asset-tracking location of a product's devices: paged listing (last known positions, or
tracks within a date range), one device's track with per-point properties, and the
fleet-wide last known positions.

Positions come from what devices publish, as on the real cloud: a Tracker's `loc` event
whose data is `{"cmd": "loc", "time": <epoch s>, "loc": {"lat", "lon", "lck", "hd",
"h_acc", "spd", ...}, <custom keys>}`. So a test seeds locations with
`device.publish("loc", json.dumps(...))`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import parse_time, resolve_product, resolve_product_device
from .._state import CloudState, FakeDevice, FakeEvent, FakeProduct, iso_ms
from .._wire import Ctx, api, as_int, fail, json_response

LOCATION_EVENT = "loc"
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 100
RENAMED = {"h_acc": "acc_h", "v_acc": "acc_v", "spd": "speed"}
NOT_PROPERTIES = {"lat", "lon", "lck", "time", "cmd", "loc", "req_id"}


@dataclass(frozen=True)
class Point:
    time: datetime
    lon: float
    lat: float
    locked: bool
    properties: dict[str, Any]


def _point(event: FakeEvent) -> Point | None:
    """A position from a `loc` event; anything malformed is ignored, as the cloud does."""
    try:
        data = json.loads(event.data)
        loc = data["loc"]
        lat, lon = float(loc["lat"]), float(loc["lon"])
    except (ValueError, TypeError, KeyError):
        return None
    stamp = loc.get("time", data.get("time"))
    when = (
        datetime.fromtimestamp(float(stamp), timezone.utc)
        if isinstance(stamp, (int, float))
        else event.published_at
    )
    props = {RENAMED.get(k, k): v for k, v in loc.items() if k not in NOT_PROPERTIES}
    props.update({k: v for k, v in data.items() if k not in NOT_PROPERTIES})
    return Point(when, lon, lat, bool(loc.get("lck", 1)), props)


def tracks(state: CloudState, devices: list[FakeDevice]) -> dict[str, list[Point]]:
    """Every device's positions, oldest first."""
    ids = {d.id for d in devices}
    found: dict[str, list[Point]] = {d.id: [] for d in devices}
    for event in state.published:
        if event.name == LOCATION_EVENT and event.coreid in ids:
            point = _point(event)
            if point is not None:
                found[event.coreid].append(point)
    for points in found.values():
        points.sort(key=lambda p: p.time)
    return found


# -- query parameters --------------------------------------------------------------------


def _date_range(ctx: Ctx) -> tuple[datetime, datetime] | None:
    raw = ctx.query("date_range")
    if raw is None:
        return None
    parts = [parse_time(p) for p in raw.split(",")]
    if len(parts) != 2 or parts[0] is None or parts[1] is None:
        raise fail(400, "date_range must be two ISO 8601 dates separated by a comma")
    return parts[0], parts[1]


def _corner(ctx: Ctx, name: str) -> tuple[float, float] | None:
    raw = ctx.query(name)
    if raw is None:
        return None
    try:
        lat, lon = (float(v) for v in raw.split(","))
    except ValueError:
        raise fail(400, f"{name} must be latitude,longitude") from None
    return lat, lon


def _groups(ctx: Ctx) -> set[str]:
    """`groups=a,b`, `groups[]=a&groups[]=b` or `groups[0]=a&groups[1]=b` (the JS SDK)."""
    query = ctx.request.query_params
    wanted: set[str] = set()
    for key, value in query.multi_items():
        if key == "groups" or (key.startswith("groups[") and key.endswith("]")):
            wanted.update(v for v in value.split(",") if v)
    return wanted


def _select(ctx: Ctx, product: FakeProduct) -> list[FakeDevice]:
    """Product devices whose ID and name start as asked, in any of the asked groups."""
    device_id = (ctx.query("device_id") or "").lower()
    name = (ctx.query("device_name") or "").lower()
    groups = _groups(ctx)
    return sorted(
        (
            d
            for d in ctx.state.all_devices()
            if d.product_id == product.id
            and d.id.startswith(device_id)
            and d.name.lower().startswith(name)
            and (not groups or groups & set(d.groups))
        ),
        key=lambda d: (d.name, d.id),
    )


def _filter(ctx: Ctx, points: list[Point]) -> list[Point]:
    """Within the date range (else just the last known point) and the bounding box."""
    span, low, high = _date_range(ctx), _corner(ctx, "rect_bl"), _corner(ctx, "rect_tr")
    in_span = (p for p in points if span is None or span[0] <= p.time <= span[1])
    points = points[-1:] if span is None else list(in_span)
    if low is not None and high is not None:
        points = [p for p in points if low[0] <= p.lat <= high[0] and low[1] <= p.lon <= high[1]]
    return points


def location_view(
    device: FakeDevice, points: list[Point], *, properties: bool = False
) -> dict[str, Any]:
    coordinates = [[p.lon, p.lat] for p in points]
    geometry: dict[str, Any] | None = None
    if len(coordinates) == 1:
        geometry = {"type": "Point", "coordinates": coordinates[0]}
    elif coordinates:
        geometry = {"type": "LineString", "coordinates": coordinates}
    view: dict[str, Any] = {
        "device_id": device.id,
        "product_id": device.product_id,
        "device_name": device.name,
        "groups": list(device.groups),
        "gps_lock": points[-1].locked if points else False,
        "last_heard": iso_ms(device.last_heard),
        "online": device.online,
        "timestamps": [iso_ms(p.time) for p in points],
        "geometry": geometry,
    }
    if properties:
        view["properties"] = [p.properties for p in points]
    return view


# -- routes ------------------------------------------------------------------------------


async def list_locations(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    page = as_int(ctx.query("page") or 1, "page", minimum=1)
    per_page = min(
        as_int(ctx.query("per_page", "perPage") or DEFAULT_PER_PAGE, "per_page", minimum=1),
        MAX_PER_PAGE,
    )
    devices = _select(ctx, product)
    found = tracks(ctx.state, devices)
    located = [(d, pts) for d in devices if (pts := _filter(ctx, found[d.id]))]
    start = (page - 1) * per_page
    return json_response(
        {
            "locations": [location_view(d, p) for d, p in located[start : start + per_page]],
            "meta": {
                "page": page,
                "per_page": per_page,
                "total_pages": math.ceil(len(located) / per_page),
                "devices_found": len(located),
            },
        }
    )


async def device_location(ctx: Ctx) -> Response:
    _, device = resolve_product_device(ctx)
    points = _filter(ctx, tracks(ctx.state, [device])[device.id])
    return json_response({"location": location_view(device, points, properties=True), "meta": {}})


async def fleet_locations(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    devices = _select(ctx, product)
    found = tracks(ctx.state, devices)
    views = [location_view(d, found[d.id][-1:]) for d in devices if found[d.id]]
    return json_response({"locations": views})


routes: list[Route] = [
    api("/v1/products/{product}/locations", list_locations, "GET"),
    api("/v1/products/{product}/location", list_locations, "GET"),  # the docs' url field
    api("/v1/products/{product}/locations/{deviceId}", device_location, "GET"),
    api(
        "/v1/products/{product}/location/{deviceId}", device_location, "GET"
    ),  # the docs' url field
    api("/v1/products/{product}/fleet_locations", fleet_locations, "GET"),
]
