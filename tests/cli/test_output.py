"""Output scripts can rely on: `--json` documents, whole ids, names for platforms, and
one line per event whatever its data holds."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest
from rich.console import Console

from particle_async import Device, Event
from particle_async.cli._platforms import platform_name
from particle_async.cli._render import device_table, event_line, one_line, plain_columns
from particle_async.testing import FakeCloud

from .helpers import alpha, invoke


def test_list_json_is_one_document_with_platform_names(fake_cloud: FakeCloud) -> None:
    fake_cloud.add_device("tracker", platform_id=26, online=False)
    result = invoke(fake_cloud, "list", "--json")
    assert result.exit_code == 0
    devices = json.loads(result.stdout)
    assert [(d["name"], d["platform_id"], d["platform"], d["online"]) for d in devices] == [
        ("alpha", 6, "Photon", True),
        ("beta", 12, "Argon", True),
        ("tracker", 26, "Tracker", False),
    ]
    assert devices[0]["id"] == alpha(fake_cloud)


def test_get_call_publish_json(fake_cloud: FakeCloud) -> None:
    device = alpha(fake_cloud)
    got = json.loads(invoke(fake_cloud, "get", device, "temperature", "--json").stdout)
    assert got == {"device_id": device, "name": "temperature", "result": 21.5}
    called = json.loads(invoke(fake_cloud, "call", device, "brew", "abcd", "--json").stdout)
    assert called == {"device_id": device, "name": "brew", "connected": True, "return_value": 4}
    published = json.loads(invoke(fake_cloud, "publish", "a/b", "x", "--json").stdout)
    assert published == {"ok": True, "name": "a/b", "data": "x", "private": True, "ttl": None}


def test_ids_are_whole_in_plain_columns_however_long(fake_cloud: FakeCloud) -> None:
    long_name = "a-device-name-far-longer-than-any-terminal-column-would-allow-" * 2
    device = fake_cloud.add_device(long_name, platform_id=32)
    result = invoke(fake_cloud, "list")
    row = next(line for line in result.stdout.splitlines() if long_name in line)
    assert row.split()[:4] == [device.id, long_name, "yes", "P2"]


def test_a_terminal_table_keeps_ids_whole_too() -> None:
    device = Device.from_api({"id": "0123456789abcdef01234567", "name": "n" * 60, "online": True})
    out = io.StringIO()
    Console(file=out, width=80, force_terminal=True, color_system=None).print(
        device_table([device])
    )
    assert "0123456789abcdef01234567" in out.getvalue()


def test_markup_in_names_is_shown_as_text() -> None:
    device = Device.from_api({"id": "0123456789abcdef01234567", "name": "[bold]x[/]"})
    out = io.StringIO()
    Console(file=out, width=120, force_terminal=True, color_system=None).print(
        device_table([device])
    )
    assert "[bold]x[/]" in out.getvalue()


@pytest.mark.parametrize(
    ("platform_id", "name"),
    [
        (6, "Photon"),
        (10, "Electron"),
        (12, "Argon"),
        (13, "Boron"),
        (14, "Xenon"),
        (23, "B SoM"),
        (25, "B5 SoM"),
        (26, "Tracker"),
        (28, "Tracker M"),
        (32, "P2"),
        (35, "M SoM"),
        (37, "Electron 2"),
        (99, "platform 99"),
        (None, "-"),
    ],
)
def test_platform_names(platform_id: int | None, name: str) -> None:
    assert platform_name(platform_id) == name


def test_the_fake_clouds_catalog_agrees_with_our_names() -> None:
    from particle_async.testing.routes.build_device_os import PLATFORMS as CATALOG

    for catalog_name, platform_id in CATALOG.items():
        ours = platform_name(platform_id).replace(" ", "")
        assert ours == catalog_name, (platform_id, catalog_name)


@pytest.mark.parametrize(
    ("data", "escaped"),
    [
        ("two\nlines", "two\\nlines"),
        ("crlf\r\n", "crlf\\r\\n"),
        ("tab\there", "tab\\there"),
        ("back\\slash n", "back\\\\slash n"),
        ("nul\x00bell\x07", "nul\\x00bell\\x07"),
        ("sep\u2028para\u2029next\x85", "sep\\u2028para\\u2029next\\x85"),
        ('{"ok": "ünïcode"}', '{"ok": "ünïcode"}'),
    ],
)
def test_one_line_escapes_whatever_breaks_lines(data: str, escaped: str) -> None:
    assert one_line(data) == escaped
    assert len(one_line(data).splitlines()) == 1


def test_an_event_is_one_line_in_text_and_json() -> None:
    event = Event(
        name="multi\nline",
        data="first\nsecond\r\nthird\u2028",
        published_at=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc),
        device_id="0123456789abcdef01234567",
    )
    text = event_line(event)
    assert text == (
        "03:04:05.678  0123456789abcdef01234567  multi\\nline  first\\nsecond\\r\\nthird\\u2028"
    )
    as_json = event_line(event, as_json=True)
    assert len(as_json.splitlines()) == 1
    assert json.loads(as_json)["data"] == "first\nsecond\r\nthird\u2028"
    assert json.loads(as_json)["name"] == "multi\nline"


def test_subscribe_keeps_newlines_in_data_on_one_line(fake_cloud: FakeCloud) -> None:
    device = fake_cloud.device("alpha")
    fake_cloud.simulate(device, "temp/multi", lambda i: f"line {i}\nnext", interval=0.05)
    result = invoke(fake_cloud, "subscribe", "temp", "--count", "2", "-q")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.endswith("next") and "\\n" in line for line in lines)
    assert all(device.id in line for line in lines)
    assert result.stderr == ""


def test_plain_columns_align_and_never_cut() -> None:
    text = plain_columns(("id", "name"), [("a" * 30, "x"), ("b", "multi\nline")])
    assert text.splitlines() == [
        "id                              name",
        "a" * 30 + "  x",
        "b                               multi\\nline",
    ]
