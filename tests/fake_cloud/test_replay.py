"""`FakeCloud.replay`: recorded JSON lines published through the live path, malformed
lines reported by number and skipped, original spacing scaled by `speed`. Streams are
read over plain HTTP, byte for byte."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import httpx
import pytest

from particle_async.testing import FakeCloud

from .conftest import RawSSE, http_client

DEVICE = "0123456789abcdef01234567"


def _line(name: str, data: str, at: str, **extra: object) -> str:
    envelope = {"data": data, "ttl": 60, "published_at": at, "coreid": DEVICE, **extra}
    record = {
        "name": name,
        "data": data,
        "ttl": 60,
        "published_at": at,
        "device_id": DEVICE,
        "envelope": envelope,
        "received_at": at,
    }
    return json.dumps(record)


def _frames(sse: RawSSE, n: int) -> list[tuple[str, dict[str, object]]]:
    out = []
    for _ in range(n):
        head, data = sse.frame().decode().strip().split("\n")
        out.append((head.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


def test_replay_publishes_through_the_stream_path_and_reports_bad_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recording = tmp_path / "events.jsonl"
    recording.write_text(
        "\n".join(
            [
                _line("temp", "21.5", "2024-05-01T12:00:00.000Z"),
                "{this is not json",
                json.dumps({"data": "no name"}),
                "",
                _line("temp", "21.7", "2024-05-01T12:00:01.250Z", productID=77, version=3),
                json.dumps(["a", "list"]),
            ]
        )
        + "\n"
    )
    with FakeCloud(rate_limit=None, keepalive_interval=60) as cloud:
        with http_client(cloud, cloud.token) as http, http.stream("GET", "/v1/devices/events") as r:
            sse = RawSSE(r)
            assert sse.frame() == b":ok\n\n"
            with caplog.at_level(logging.WARNING, logger="particle_async.testing"):
                replay = cloud.replay(recording, speed=0)
            assert [(s.line, s.reason) for s in replay.skipped] == [
                (2, "not JSON"),
                (3, "no event name"),
                (6, "not a JSON object"),
            ]
            assert [r.getMessage() for r in caplog.records] == [
                "replay: line 2 skipped: not JSON",
                "replay: line 3 skipped: no event name",
                "replay: line 6 skipped: not a JSON object",
            ]
            replay.wait_sync(5)
            assert (replay.total, replay.published) == (2, 2)
            frames = _frames(sse, 2)
        assert frames == [
            (
                "temp",
                {
                    "data": "21.5",
                    "ttl": 60,
                    "published_at": "2024-05-01T12:00:00.000Z",
                    "coreid": DEVICE,
                },
            ),
            (
                "temp",
                {
                    "data": "21.7",
                    "ttl": 60,
                    "published_at": "2024-05-01T12:00:01.250Z",
                    "coreid": DEVICE,
                    "productID": 77,
                    "version": 3,
                },
            ),
        ]
        assert cloud.device(DEVICE).owner == cloud.user.username  # populated
        assert cloud.product(77).members == {cloud.user.username}
        assert [e.data for e in cloud.published] == ["21.5", "21.7"]


def test_device_and_product_streams_see_replayed_events(tmp_path: Path) -> None:
    recording = tmp_path / "events.jsonl"
    at = "2024-05-01T12:00:00.000Z"
    recording.write_text(_line("a", "1", at) + "\n" + _line("b", "2", at, productID=5, version=1))
    with FakeCloud(rate_limit=None, keepalive_interval=60) as cloud:
        cloud.replay(recording, speed=0).wait_sync(5)  # creates the device and product
        with http_client(cloud, cloud.token) as http:
            with (
                http.stream("GET", f"/v1/devices/{DEVICE}/events") as by_device,
                http.stream("GET", "/v1/products/5/events") as by_product,
            ):
                readers = [RawSSE(by_device), RawSSE(by_product)]
                assert [r.frame() for r in readers] == [b":ok\n\n"] * 2
                cloud.wait_for_streams_sync(2)
                cloud.replay(recording, speed=0).wait_sync(5)
                assert [name for name, _ in _frames(readers[0], 2)] == ["a", "b"]
                assert [name for name, _ in _frames(readers[1], 1)] == ["b"]


def test_speed_scales_the_original_spacing(tmp_path: Path) -> None:
    recording = tmp_path / "events.jsonl"
    stamps = ["2024-05-01T12:00:00.000Z", "2024-05-01T12:00:01.000Z", "2024-05-01T12:00:02.000Z"]
    recording.write_text("\n".join(_line("tick", str(i), at) for i, at in enumerate(stamps)))
    with FakeCloud(rate_limit=None, keepalive_interval=60) as cloud:
        started = time.monotonic()
        cloud.replay(recording, speed=10).wait_sync(5)  # 2 s of traffic in 0.2 s
        elapsed = time.monotonic() - started
    assert 0.19 <= elapsed < 1.5


def test_replay_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    recording = tmp_path / "events.jsonl"
    recording.write_text(_line("a", "1", "2024-05-01T12:00:00.000Z"))
    idle = FakeCloud()
    with pytest.raises(RuntimeError, match="not running"):
        idle.replay(recording)
    with FakeCloud(rate_limit=None) as cloud:
        with pytest.raises(ValueError, match="speed"):
            cloud.replay(recording, speed=-1)
        with pytest.raises(FileNotFoundError):
            cloud.replay(tmp_path / "missing.jsonl")


def test_stopping_the_cloud_ends_a_replay_midway(tmp_path: Path) -> None:
    recording = tmp_path / "events.jsonl"
    recording.write_text(
        _line("first", "1", "2024-05-01T12:00:00.000Z")
        + "\n"
        + _line("an hour later", "2", "2024-05-01T13:00:00.000Z")
    )
    with FakeCloud(rate_limit=None, keepalive_interval=60) as cloud:
        with http_client(cloud, cloud.token) as http, http.stream("GET", "/v1/devices/events") as r:
            sse = RawSSE(r)
            sse.frame()
            replay = cloud.replay(recording)
            assert _frames(sse, 1)[0][0] == "first"
            with pytest.raises(TimeoutError, match="published 1/2"):
                replay.wait_sync(0.05)
    assert replay.done
    assert replay.published == 1


def test_the_stream_is_an_ordinary_sse_stream_for_any_client(tmp_path: Path) -> None:
    """A consumer under test needs nothing special: the frames are the live ones."""
    recording = tmp_path / "events.jsonl"
    recording.write_text(_line("temp", "x", "2024-05-01T12:00:00.000Z"))
    with FakeCloud(rate_limit=None, keepalive_interval=60) as cloud:
        with httpx.Client(base_url=cloud.base_url, params={"access_token": cloud.token}) as http:
            with http.stream("GET", "/v1/events/temp") as response:
                sse = RawSSE(response)
                sse.frame()
                cloud.replay(recording, speed=0)
                assert sse.frame().startswith(b"event: temp\ndata: {")
