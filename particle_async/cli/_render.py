"""How the CLI shows things: tables for people, plain lines and JSON for scripts.

Two rules for output a script may read: one event is one line whatever its data holds
(control characters are escaped, backslash first, so the escaping can be undone), and an
id is never cut short when stdout is not a terminal (plain columns, no table widths).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..models import Device, Event
from ._platforms import platform_name

__all__ = [
    "device_json",
    "device_rows",
    "device_table",
    "event_json",
    "event_line",
    "event_table",
    "one_line",
    "plain_columns",
    "print_devices",
    "to_json",
]

_UNSAFE = re.compile("[\\\\\x00-\x1f\x7f\x85\u2028\u2029]")
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
DEVICE_COLUMNS = ("id", "name", "online", "platform", "last heard")


def one_line(text: str) -> str:
    """`text` with backslashes and every line-breaking or control character escaped."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(escape, text)


_JSON_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def to_json(document: Any) -> str:
    """One line of JSON, non-ASCII kept readable, datetimes and the like as strings.

    json.dumps escapes control characters but not NEL, U+2028 and U+2029, which
    `str.splitlines` and some JSON-lines readers take for line breaks: those are escaped.
    """
    return json.dumps(document, ensure_ascii=False, default=str).translate(_JSON_BREAKS)


def _heard(device: Device) -> str:
    return device.last_heard.isoformat(timespec="seconds") if device.last_heard else "-"


def device_rows(devices: Sequence[Device]) -> list[tuple[str, ...]]:
    return [
        (
            device.id,
            device.name or "-",
            "yes" if device.is_online else "no",
            platform_name(device.platform_id),
            _heard(device),
        )
        for device in devices
    ]


def device_table(devices: Sequence[Device]) -> Table:
    table = Table(title=f"{len(devices)} devices")
    for column in DEVICE_COLUMNS:
        # ids are 24 characters: never wrap or cut them, squeeze the other columns instead
        table.add_column(column, no_wrap=column == "id", min_width=24 if column == "id" else None)
    for row in device_rows(devices):
        table.add_row(*map(Text, row))  # Text: a name like "[red]" is not rich markup
    return table


def print_devices(console: Console, devices: Sequence[Device]) -> None:
    """A table on a terminal; plain columns with whole ids on a pipe or a file."""
    if console.is_terminal:
        console.print(device_table(devices))
    else:
        console.print(Text(plain_columns(DEVICE_COLUMNS, device_rows(devices))), soft_wrap=True)


def plain_columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart, every value whole (for pipes and files)."""
    cells = [[one_line(str(value)) for value in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        for row in cells
    ]
    return "\n".join(line.rstrip() for line in lines)


def device_json(device: Device) -> dict[str, Any]:
    """The device as the API sent it, plus the platform's name."""
    return {**device.raw, "platform": platform_name(device.platform_id)}


def event_json(event: Event) -> dict[str, Any]:
    return {
        "name": event.name,
        "data": event.data,
        "ttl": event.ttl,
        "published_at": event.published_at.isoformat() if event.published_at else None,
        "device_id": event.device_id,
        "product_id": event.product_id,
        "malformed": event.malformed,
    }


def event_line(event: Event, *, as_json: bool = False) -> str:
    """One event as exactly one line: JSON, or `time  device  name  data` escaped."""
    if as_json:
        return to_json(event_json(event))
    when = event.published_at.strftime("%H:%M:%S.%f")[:-3] if event.published_at else "-"
    device = event.device_id or "-"
    return f"{when}  {device:24}  {one_line(event.name)}  {one_line(event.data or '')}"


def event_table(events: list[Event], *, title: str) -> Table:
    table = Table(title=title)
    for column in ("time", "device", "event", "data"):
        table.add_column(column)
    for event in events:
        when = event.published_at.strftime("%H:%M:%S.%f")[:-3] if event.published_at else "-"
        device = (event.device_id or "-")[:12]  # the demo's live view: a terminal
        table.add_row(*map(Text, (when, device, one_line(event.name), one_line(event.data or ""))))
    return table
