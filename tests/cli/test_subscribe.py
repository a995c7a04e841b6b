"""`subscribe` says on stderr what it is doing: connecting, connected, every reconnect
with its attempt and delay; stdout carries only events."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from particle_async import NetworkError
from particle_async.cli.events import status_line
from particle_async.streaming import StreamState, StreamStatus
from particle_async.testing import FakeCloud

from .helpers import COMMAND, child_env
from .test_errors import refused_url

WHERE = "http://127.0.0.1:1"


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (StreamStatus(StreamState.CONNECTING), f"connecting to {WHERE}…"),
        (StreamStatus(StreamState.CONNECTED), "connected"),
        (StreamStatus(StreamState.CONNECTED, attempt=2), "reconnected (attempt 2)"),
        (StreamStatus(StreamState.RECONNECTING, attempt=1), None),
        (
            StreamStatus(
                StreamState.RECONNECTING, attempt=3, delay=1.234, error=NetworkError("idle timeout")
            ),
            "reconnecting in 1.23s (attempt 3) (idle timeout)",
        ),
        (StreamStatus(StreamState.CLOSED), None),
        (StreamStatus(StreamState.FAILED, error=NetworkError("x")), None),
    ],
)
def test_status_lines(status: StreamStatus, line: str | None) -> None:
    assert status_line(status, where=WHERE) == line


def spawn(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(**env),
    )


@pytest.mark.timeout(60)
def test_a_dropped_stream_is_reported_and_resumed(fake_cloud: FakeCloud) -> None:
    alpha = fake_cloud.device("alpha")
    env = {"PARTICLE_ACCESS_TOKEN": fake_cloud.token, "PARTICLE_API_BASE_URL": fake_cloud.base_url}
    proc = spawn("subscribe", "temp", "--json", "--count", "2", **env)
    assert proc.stdout is not None
    assert proc.stderr is not None
    try:
        assert proc.stderr.readline() == f"connecting to {fake_cloud.base_url}…\n"
        assert proc.stderr.readline() == "connected\n"
        fake_cloud.wait_for_streams_sync(1)
        alpha.publish("temp/a", "1")
        assert json.loads(proc.stdout.readline())["data"] == "1"
        fake_cloud.faults.drop_streams()
        retry = proc.stderr.readline()
        assert retry.startswith("reconnecting in ")
        assert "(attempt 1)" in retry
        assert proc.stderr.readline() == "reconnected (attempt 1)\n"
        fake_cloud.wait_for_streams_sync(1)
        alpha.publish("temp/b", "2")
        assert json.loads(proc.stdout.readline())["data"] == "2"
        assert proc.wait(timeout=30) == 0
        assert proc.stderr.read() == ""
    finally:
        proc.kill()
        proc.communicate()


@pytest.mark.timeout(60)
def test_a_dead_server_is_not_silence() -> None:
    url = refused_url()
    proc = spawn("subscribe", "temp", PARTICLE_ACCESS_TOKEN="t" * 40, PARTICLE_API_BASE_URL=url)
    assert proc.stderr is not None
    try:
        assert proc.stderr.readline() == f"connecting to {url}…\n"
        for attempt in (1, 2):
            line = proc.stderr.readline()
            assert line.startswith("reconnecting in ")
            assert f"(attempt {attempt}) (ConnectError: " in line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130
        assert out == ""
        assert err.splitlines()[-1] == "interrupted"
        assert "Traceback" not in err
        assert "t" * 40 not in err
    finally:
        proc.kill()
        proc.communicate()
