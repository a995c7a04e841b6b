"""How the CLI shows devices and events (rich tables, one line per event)."""

from __future__ import annotations

import json

from rich.table import Table

from ..models import Device, Event

__all__ = ["device_table", "event_line", "event_table"]


def device_table(devices: list[Device]) -> Table:
    table = Table(title=f"{len(devices)} devices")
    for column in ("id", "name", "online", "platform", "last heard"):
        table.add_column(column)
    for device in devices:
        heard = device.last_heard.isoformat(timespec="seconds") if device.last_heard else "-"
        table.add_row(
            device.id,
            device.name or "-",
            "yes" if device.is_online else "no",
            str(device.platform_id or "-"),
            heard,
        )
    return table


def event_line(event: Event, *, as_json: bool = False) -> str:
    if as_json:
        return json.dumps(
            {
                "name": event.name,
                "data": event.data,
                "ttl": event.ttl,
                "published_at": event.published_at.isoformat() if event.published_at else None,
                "device_id": event.device_id,
                "malformed": event.malformed,
            }
        )
    when = event.published_at.strftime("%H:%M:%S.%f")[:-3] if event.published_at else "-"
    return f"{when}  {event.device_id or '-':24}  {event.name}  {event.data or ''}"


def event_table(events: list[Event], *, title: str) -> Table:
    table = Table(title=title)
    for column in ("time", "device", "event", "data"):
        table.add_column(column)
    for event in events:
        when = event.published_at.strftime("%H:%M:%S.%f")[:-3] if event.published_at else "-"
        table.add_row(when, (event.device_id or "-")[:12], event.name, event.data or "")
    return table
