"""A product's fleet-health metrics: online devices, events received, integration, function
and variable outcomes, per time bucket (`bucket_size` seconds, 900 by default).

Online counts are the fleet's current state (the fake keeps no history of connections);
event counts come from what the product's devices published. The fake records no
integration, function or variable outcomes over time, so those buckets hold only their
`time` (the API omits zero counts).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import parse_time, resolve_product
from .._state import FakeDevice, iso_ms, utcnow
from .._wire import Ctx, api, as_int, fail, json_response

METRIC_KEYS = {
    "online": "online",
    "events": "events",
    "integration": "integrations",
    "functions": "functions",
    "variables": "variables",
}
MAX_BUCKETS = 5000


def _moment(ctx: Ctx, name: str, default: datetime) -> datetime:
    raw = ctx.query(name)
    moment = default if raw is None else parse_time(raw)
    if moment is None:
        raise fail(400, f"{name} must be an ISO 8601 date")
    return moment


async def metrics(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    metric = ctx.path("metric")
    if metric not in METRIC_KEYS:
        raise fail(404, f"Unknown metric {metric}")
    size = as_int(ctx.query("bucket_size") or 900, "bucket_size", minimum=16)
    now = utcnow()
    start, end = _moment(ctx, "start_date", now), _moment(ctx, "end_date", now)
    if end < start:
        raise fail(400, "end_date must not be before start_date")
    first = math.floor(start.timestamp() / size) * size
    count = math.floor(end.timestamp() / size) - first // size + 1
    if count > MAX_BUCKETS:
        raise fail(400, "Too many buckets; narrow the dates or grow bucket_size")
    fleet = [d for d in ctx.state.all_devices() if d.product_id == product.id and _keep(ctx, d)]
    ids = {d.id for d in fleet}
    events = [e.published_at.timestamp() for e in ctx.state.published if e.coreid in ids]
    buckets = []
    for i in range(count):
        low = first + i * size
        bucket: dict[str, Any] = {"time": iso_ms(datetime.fromtimestamp(low, timezone.utc))}
        if metric == "online":
            bucket["count"] = sum(d.online for d in fleet)
        elif metric == "events":
            bucket["received"] = sum(low <= t < low + size for t in events)
        buckets.append(bucket)  # integration/functions/variables: zero counts are omitted
    return json_response({METRIC_KEYS[metric]: buckets})


def _keep(ctx: Ctx, device: FakeDevice) -> bool:
    fw, os_version, group = (
        ctx.query("product_fw"),
        ctx.query("device_os_version"),
        ctx.query("device_group"),
    )
    return (
        (fw is None or str(device.firmware_version) == fw)
        and (os_version is None or device.system_firmware_version == os_version)
        and (group is None or group in device.groups)
    )


routes: list[Route] = [api("/v1/products/{product}/metrics/{metric}", metrics, "GET")]
