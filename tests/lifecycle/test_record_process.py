"""`particle-async record` as a real process against a FakeCloud in this process, ended
by a real signal (issue 18, row 5): SIGINT exits 130, SIGTERM exits 143 (what the other
commands do), both promptly and without a traceback, the stream closed at the fake, and
the file holding only complete JSON lines: every event the recorder counted, in order.

It waits for the recorder's first event by reading its progress line, never by time.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from particle_async.testing import FakeCloud

from .test_processes import PROMPT, ROOT, _ended, _env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def sensor(fake_cloud: FakeCloud) -> Iterator[FakeCloud]:
    """The fake cloud with a device publishing `temp/x` (data "0", "1", ...) every 20 ms."""
    device = next(d for d in fake_cloud.devices if d.name == "alpha")
    simulation = fake_cloud.simulate(device, "temp/x", lambda i: str(i), interval=0.02)
    yield fake_cloud
    simulation.stop()


def _read_until(stream: object, marker: str) -> str:
    """Read `stream` (a text pipe) as it comes until `marker` shows: a blocking read, no
    polling. The progress count is rewritten in place (`\\r`), so there is no line to wait on."""
    seen = ""
    while marker not in seen:
        chunk = stream.read(1)  # type: ignore[attr-defined]
        assert chunk, f"the recorder ended before {marker!r}: {seen!r}"
        seen += chunk
    return seen


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("signum", "status", "said"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["SIGINT", "SIGTERM"],
)
def test_cli_record_ends_on_a_signal_with_a_complete_file(
    sensor: FakeCloud, tmp_path: Path, signum: signal.Signals, status: int, said: str
) -> None:
    output = tmp_path / "temps.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "particle_async.cli", "record", "temp", "-o", str(output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(sensor),
        cwd=ROOT,
    )
    assert proc.stderr is not None
    try:
        head = _read_until(proc.stderr, "recorded 2 events")  # recording, mid-stream
    except AssertionError:
        proc.kill()
        proc.communicate()
        raise
    assert sensor.open_streams == 1
    proc.send_signal(signum)
    took, rest = _ended(proc, PROMPT)
    stderr = head + rest
    assert proc.returncode == status, stderr
    assert took < PROMPT, f"took {took:.2f}s to exit"
    assert "Traceback" not in stderr, stderr
    assert said in stderr, stderr
    sensor.wait_for_streams_sync(0, timeout=PROMPT)  # the fake saw the stream close

    text = output.read_text(encoding="utf-8")
    assert text.endswith("\n"), f"the last line is cut: {text[-80:]!r}"
    lines = [json.loads(line) for line in text.splitlines()]
    assert f"{len(lines)} events recorded to {output}" in stderr, stderr
    assert len(lines) >= 2
    assert {line["name"] for line in lines} == {"temp/x"}
    first = int(lines[0]["data"])  # consecutive: none lost between two written lines
    assert [line["data"] for line in lines] == [str(first + i) for i in range(len(lines))]
