"""`particle-async record` and `particle-async demo --replay`, against the fake cloud."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from click.testing import CliRunner

from particle_async.cli._app import cli
from particle_async.testing import FakeCloud

KEYS = {
    "name", "data", "ttl", "published_at", "device_id", "product_id", "version", "envelope",
    "malformed", "received_at",
}  # fmt: skip


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None, keepalive_interval=60) as fake:
        yield fake


def _env(cloud: FakeCloud) -> dict[str, str]:
    return {"PARTICLE_ACCESS_TOKEN": cloud.token, "PARTICLE_API_BASE_URL": cloud.base_url}


def test_record_writes_one_json_line_per_event(cloud: FakeCloud, tmp_path: Path) -> None:
    device = cloud.add_device("sensor")
    cloud.simulate(device, "temp/x", lambda i: f"2{i}.5", interval=0.02)
    out = tmp_path / "events.jsonl"
    result = CliRunner().invoke(
        cli, ["record", "temp", "-o", str(out), "--count", "3"], env=_env(cloud)
    )
    assert result.exit_code == 0, result.output
    assert "3 events recorded to" in result.stderr
    assert "\rrecorded 2 events" in result.stderr  # the live count
    lines = out.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [set(r) for r in records] == [KEYS] * 3
    first = records[0]
    assert (first["name"], first["ttl"], first["device_id"]) == ("temp/x", 60, device.id)
    numbers = [int(r["data"][1:-2]) for r in records]  # "2<i>.5", recording joins midway
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert first["envelope"] == {
        "data": first["data"],
        "ttl": 60,
        "published_at": first["published_at"],
        "coreid": device.id,
    }
    assert first["malformed"] is False
    assert first["received_at"].endswith("Z")
    assert cloud.token not in out.read_text()


def test_record_appends_and_reports_errors_without_the_token(
    cloud: FakeCloud, tmp_path: Path
) -> None:
    out = tmp_path / "events.jsonl"
    out.write_text('{"name":"kept"}\n')
    cloud.add_device("d")
    cloud.simulate(cloud.device("d"), "x", interval=0.02)  # until the cloud stops
    result = CliRunner().invoke(
        cli, ["record", "-o", str(out), "--append", "--count", "1"], env=_env(cloud)
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["name"] for line in out.read_text().splitlines()] == ["kept", "x"]
    bad = {"PARTICLE_ACCESS_TOKEN": "f" * 40, "PARTICLE_API_BASE_URL": cloud.base_url}
    refused = CliRunner().invoke(cli, ["record", "-o", str(out)], env=bad)
    assert refused.exit_code == 1
    assert "401" in refused.stderr
    assert "f" * 40 not in refused.output


class _Lines:
    """Collects a pipe's text on a thread; `wait_for` blocks until a string shows up."""

    def __init__(self, pipe: IO[str]) -> None:
        self.text = ""
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def _read(self, pipe: IO[str]) -> None:
        while chunk := pipe.read(1):
            with self._changed:
                self.text += chunk
                self._changed.notify_all()

    def wait_for(self, needle: str, timeout: float = 20) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: needle in self.text, timeout):
                raise AssertionError(f"{needle!r} never appeared in {self.text!r}")

    def rest(self, timeout: float = 10) -> str:
        self._thread.join(timeout)
        return self.text


@pytest.mark.timeout(60)
def test_ctrl_c_closes_the_recording_with_every_line_complete(
    cloud: FakeCloud, tmp_path: Path
) -> None:
    out = tmp_path / "events.jsonl"
    device = cloud.add_device("busy")
    proc = subprocess.Popen(
        [sys.executable, "-m", "particle_async.cli", "record", "-o", str(out)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **_env(cloud)},
    )
    assert proc.stderr is not None
    stderr = _Lines(proc.stderr)
    try:
        stderr.wait_for("recorded 0 events")  # subscribed
        cloud.wait_for_streams_sync(1)
        for i in range(5):
            device.publish("burst", "x" * 2000 + str(i))  # long lines: many writes' worth
        stderr.wait_for("recorded 5 events")
        cloud.simulate(device, "flood", interval=0.001)  # still arriving when interrupted
        stderr.wait_for("recorded 20 events")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
        text = stderr.rest()
        proc.stderr.close()
    assert "Traceback" not in text
    raw = out.read_text()
    assert raw.endswith("\n")  # nothing half-written
    records = [json.loads(line) for line in raw.splitlines()]
    assert len(records) >= 20
    assert [r["data"][-1] for r in records[:5]] == list("01234")
    assert f"{len(records)} events recorded to {out}" in text


def _recording(path: Path) -> Path:
    lines = [
        json.dumps(
            {
                "name": "replayed/temp",
                "data": str(20 + i),
                "ttl": 60,
                "published_at": f"2024-05-01T12:00:0{i}.000Z",
                "device_id": "0123456789abcdef01234567",
                "received_at": f"2024-05-01T12:00:00.{i}00Z",
            }
        )
        for i in range(4)
    ]
    lines.insert(2, "{truncated")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.timeout(60)
def test_demo_replays_a_recording(tmp_path: Path) -> None:
    recording = _recording(tmp_path / "day.jsonl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTICLE_")}
    proc = subprocess.run(
        [sys.executable, "-m", "particle_async.cli", "demo", "--replay", str(recording)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    assert f"replaying 4 events from {recording}" in proc.stdout
    assert "line 3 skipped: not JSON" in proc.stdout
    assert "replayed/temp" in proc.stdout
    assert "events received: 4 " in proc.stdout  # the recording only: no simulations


def test_demo_replay_needs_the_embedded_cloud(cloud: FakeCloud, tmp_path: Path) -> None:
    recording = _recording(tmp_path / "day.jsonl")
    result = CliRunner().invoke(cli, ["demo", "--replay", str(recording)], env=_env(cloud))
    assert result.exit_code == 2
    assert "give no token" in result.output
