"""The `particle-async` command line, against the embedded fake cloud."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from particle_async.cli._app import cli
from particle_async.testing import FakeCloud


def invoke(fake: FakeCloud, *args: str) -> tuple[int, str]:
    env = {"PARTICLE_ACCESS_TOKEN": fake.token, "PARTICLE_API_BASE_URL": fake.base_url}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def alpha(fake: FakeCloud) -> str:
    return next(d.id for d in fake.devices if d.name == "alpha")


def test_list(fake_cloud: FakeCloud) -> None:
    code, out = invoke(fake_cloud, "list")
    assert code == 0
    assert "alpha" in out
    assert "beta" in out


def test_get_and_call(fake_cloud: FakeCloud) -> None:
    code, out = invoke(fake_cloud, "get", alpha(fake_cloud), "temperature")
    assert (code, out.strip()) == (0, "21.5")
    code, out = invoke(fake_cloud, "call", alpha(fake_cloud), "brew", "202,230")
    assert (code, out.strip()) == (0, "7")


def test_publish(fake_cloud: FakeCloud) -> None:
    code, out = invoke(fake_cloud, "publish", "door/open", "front", "--ttl", "30")
    assert code == 0
    assert "published door/open" in out
    event = fake_cloud.published[-1]
    assert (event.name, event.data, event.ttl) == ("door/open", "front", 30)


def test_subscribe_json(fake_cloud: FakeCloud) -> None:
    device = next(d for d in fake_cloud.devices if d.name == "alpha")
    fake_cloud.simulate(device, "temp/x", lambda i: str(i), interval=0.05)
    code, out = invoke(fake_cloud, "subscribe", "temp", "--json", "--count", "2")
    assert code == 0
    lines = [json.loads(line) for line in out.strip().splitlines()]
    assert [line["name"] for line in lines] == ["temp/x", "temp/x"]
    assert all(line["device_id"] == device.id for line in lines)


def test_errors_are_one_line_and_exit_1(fake_cloud: FakeCloud) -> None:
    code, out = invoke(fake_cloud, "get", "000000000000000000000000", "temperature")
    assert code == 1
    assert "error:" in out
    assert fake_cloud.token not in out


def test_bad_token_is_reported_without_leaking() -> None:
    with FakeCloud() as fake:
        env = {"PARTICLE_ACCESS_TOKEN": "f" * 40, "PARTICLE_API_BASE_URL": fake.base_url}
        result = CliRunner().invoke(cli, ["list"], env=env)
    assert result.exit_code == 1
    assert "401" in result.output
    assert "f" * 40 not in result.output


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
