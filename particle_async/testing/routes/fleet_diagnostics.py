"""Remote diagnostics (device vitals): refresh, last known vitals, history (JSON or CSV).

A refresh answers 202 at once, as the real cloud does; the online device "answers" a
little later: its vitals arrive on the second diagnostics read after the refresh, when
they are stored and published as `spark/device/diagnostics/update`. So a client polling
`last` sees "not yet" once and then the new record, with no real time passing. An
offline device never answers.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import parse_time, resolve_device, resolve_product_device
from .._state import CloudState, FakeDevice, iso_ms, utcnow
from .._wire import ApiError, Ctx, api, fail, json_response

READS_UNTIL_VITALS = 2  # the refreshed vitals show up on the 2nd diagnostics read
HISTORY_DAYS = 30
VITALS_EVENT = "spark/device/diagnostics/update"


@dataclass
class VitalsRecord:
    updated_at: datetime
    payload: dict[str, Any]


@dataclass
class DiagnosticsState:
    records: dict[str, list[VitalsRecord]] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)  # device ID -> reads to go


def vitals_payload(device: FakeDevice, n: int) -> dict[str, Any]:
    """A plausible vitals payload; `n` (the device's record count) makes each one differ."""
    cell = device.cellular
    signal = {
        "at": "LTE Cat-M1" if cell else "Wi-Fi",
        "strength": 80.0,
        "strength_units": "%",
        "strengthv": -70 if cell else -52,
        "strengthv_units": "dBm",
        "strengthv_type": "RSRP" if cell else "RSSI",
        "quality": 60.0,
        "quality_units": "%",
        "qualityv": -10 if cell else 30,
        "qualityv_units": "dB",
        "qualityv_type": "RSRQ" if cell else "SNR",
    }
    link = {"status": "connected", "error": 0, "disconnects": 0, "attempts": 1}
    power = (
        {"battery": {"charge": 87.5, "state": "discharging"}, "source": "battery"}
        if cell
        else {"source": "USB host"}
    )
    return {
        "device": {
            "network": {"signal": signal, "connection": {**link, "disconnect_reason": "none"}},
            "cloud": {
                "connection": {**link, "disconnect_reason": "none"},
                "coap": {"transmit": 10 * n, "retransmit": 0, "unack": 0, "round_trip": 120},
                "publish": {"rate_limited": 0},
            },
            "power": power,
            "system": {"uptime": 3600 + 60 * n, "memory": {"used": 36016, "total": 113664}},
        },
        "service": {
            "device": {"status": "ok"},
            "cloud": {"uptime": 3600 + 60 * n, "publish": {"sent": n}},
            "coap": {"round_trip": 120},
        },
    }


def store(state: CloudState) -> DiagnosticsState:
    return state.area(DiagnosticsState)


def _tick(state: CloudState, device: FakeDevice) -> None:
    """One diagnostics read: a pending refresh gets one step closer to its answer."""
    payload: dict[str, Any] | None = None
    with state.lock:
        diagnostics = store(state)
        left = diagnostics.pending.get(device.id)
        if left is not None:
            if left > 1:
                diagnostics.pending[device.id] = left - 1
            else:
                del diagnostics.pending[device.id]
                records = diagnostics.records.setdefault(device.id, [])
                moment = utcnow()
                if records and moment <= records[-1].updated_at:  # keep times increasing
                    moment = records[-1].updated_at + timedelta(milliseconds=1)
                payload = vitals_payload(device, len(records) + 1)
                records.append(VitalsRecord(moment, payload))
    if payload is not None:
        device.publish(VITALS_EVENT, json.dumps(payload))


def record_view(device: FakeDevice, record: VitalsRecord) -> dict[str, Any]:
    return {
        "updated_at": iso_ms(record.updated_at),
        "deviceID": device.id,
        "payload": record.payload,
    }


def _device(ctx: Ctx) -> FakeDevice:
    if "product" in ctx.request.path_params:
        return resolve_product_device(ctx)[1]
    return resolve_device(ctx, ctx.path("deviceId"))


async def refresh(ctx: Ctx) -> Response:
    device = _device(ctx)
    with ctx.state.lock:
        if device.online:
            store(ctx.state).pending[device.id] = READS_UNTIL_VITALS
    return json_response({"ok": True}, status=202)


async def last(ctx: Ctx) -> Response:
    device = _device(ctx)
    _tick(ctx.state, device)
    with ctx.state.lock:
        records = list(store(ctx.state).records.get(device.id, []))
    if not records:
        raise fail(404, "No diagnostics recorded for this device")
    return json_response({"diagnostics": record_view(device, records[-1])})


def _bad_dates(description: str) -> ApiError:
    return ApiError(400, {"error": "bad_request", "description": description})


def _date_param(ctx: Ctx, name: str) -> datetime | None:
    raw = ctx.query(name)
    if raw is None:
        return None
    moment = parse_time(raw)
    if moment is None:
        raise _bad_dates("start_date and end_date must be ISO8601 formatted")
    return moment


async def history(ctx: Ctx) -> Response:
    device = _device(ctx)
    start, end = _date_param(ctx, "start_date"), _date_param(ctx, "end_date")
    if start is not None and start < utcnow() - timedelta(days=HISTORY_DAYS):
        raise _bad_dates(f"start_date must not be more than than {HISTORY_DAYS} days ago")
    _tick(ctx.state, device)
    with ctx.state.lock:
        records = [
            r
            for r in store(ctx.state).records.get(device.id, [])
            if (start is None or r.updated_at >= start) and (end is None or r.updated_at < end)
        ]
    if "text/csv" in ctx.request.headers.get("accept", ""):
        return Response(_csv(device, records), media_type="text/csv")
    return json_response({"diagnostics": [record_view(device, r) for r in records]})


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(node, dict):
        return {prefix: node}
    flat: dict[str, Any] = {}
    for key, value in node.items():
        flat.update(_flatten(value, f"{prefix}.{key}" if prefix else key))
    return flat


def _csv(device: FakeDevice, records: list[VitalsRecord]) -> str:
    rows = [_flatten(r.payload) for r in records]
    columns = sorted({key for row in rows for key in row})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["deviceID", "updated_at", *columns])
    for record, row in zip(records, rows, strict=True):
        writer.writerow([device.id, iso_ms(record.updated_at), *(row.get(c, "") for c in columns)])
    return out.getvalue()


routes: list[Route] = [
    api(prefix + "/diagnostics/{deviceId}" + rest, handler, method)
    for prefix in ("/v1", "/v1/products/{product}")
    for rest, handler, method in (
        ("/update", refresh, "POST"),
        ("/last", last, "GET"),
        ("", history, "GET"),
    )
]
