"""The `particle-async` commands people use most, against the embedded fake cloud."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from particle_async.testing import FakeCloud

from .helpers import alpha, invoke


def test_list(fake_cloud: FakeCloud) -> None:
    result = invoke(fake_cloud, "list")
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["id", "name", "online", "platform", "last", "heard"]
    assert [row.split()[:4] for row in rows] == [
        [alpha(fake_cloud), "alpha", "yes", "Photon"],
        [fake_cloud.device("beta").id, "beta", "yes", "Argon"],
    ]


def test_get_and_call(fake_cloud: FakeCloud) -> None:
    result = invoke(fake_cloud, "get", alpha(fake_cloud), "temperature")
    assert (result.exit_code, result.stdout) == (0, "21.5\n")
    result = invoke(fake_cloud, "get", "alpha", "label")
    assert (result.exit_code, result.stdout) == (0, '"alpha"\n')
    result = invoke(fake_cloud, "call", alpha(fake_cloud), "brew", "202,230")
    assert (result.exit_code, result.stdout) == (0, "7\n")
    assert fake_cloud.device("alpha").calls == [("brew", "202,230")]


def test_publish(fake_cloud: FakeCloud) -> None:
    result = invoke(fake_cloud, "publish", "door/open", "front", "--ttl", "30")
    assert (result.exit_code, result.stdout) == (0, "published door/open\n")
    event = fake_cloud.published[-1]
    assert (event.name, event.data, event.ttl) == ("door/open", "front", 30)


def test_subscribe_json(fake_cloud: FakeCloud) -> None:
    device = fake_cloud.device("alpha")
    fake_cloud.simulate(device, "temp/x", lambda i: str(i), interval=0.05)
    result = invoke(fake_cloud, "subscribe", "temp", "--json", "--count", "2")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["name"] for line in lines] == ["temp/x", "temp/x"]
    assert all(line["device_id"] == device.id for line in lines)


@pytest.mark.timeout(60)
def test_demo_runs_as_a_subprocess_on_the_embedded_cloud() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTICLE_")}
    proc = subprocess.run(
        [sys.executable, "-m", "particle_async.cli", "demo", "--seconds", "1.5"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "embedded fake Particle Cloud" in out
    assert "kitchen-coffee" in out
    assert "function brew('202,230') returned 2" in out
    match = re.search(r"events received: (\d+) \(temperature: (\d+), door: (\d+)\)", out)
    assert match, out
    total, temperature, door = map(int, match.groups())
    assert temperature > 0
    assert door > 0
    assert total >= temperature + door
    assert "upstream connections: 1" in out


@pytest.mark.timeout(60)
def test_ctrl_c_during_the_demo_exits_cleanly() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTICLE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "particle_async.cli", "demo", "--seconds", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # wait for the streaming phase, by its output, not by time
        if "published event demo/hello" in line:
            break
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
