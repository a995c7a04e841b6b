"""The application shutting down: real processes, real signals (issue 18, row 5).

- `particle-async subscribe` against a FakeCloud in this process: SIGINT exits 130,
  SIGTERM exits 143, both promptly, without a traceback, closing the stream first;
- the FastAPI relay under a real `uvicorn` process with a browser (an SSE client) attached:
  SIGTERM ends the browser's stream, closes the upstream, runs the lifespan's exit and
  exits, within uvicorn's `--timeout-graceful-shutdown` (the documented grace: uvicorn
  waits that long for open responses, which an event stream never finishes) plus 1 s.
  uvicorn then cancels the response, so the browser sees the connection cut in the
  middle of the chunked body (an `EventSource` reconnects to another instance), not a
  terminating chunk, and logs that cancellation with a traceback: the app gets no word
  of the shutdown before it.

Each waits for the process to be streaming by reading its output, never by time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from particle_async.testing import FakeCloud

PROMPT = 1.0
GRACE = 2.0  # the relay's documented --timeout-graceful-shutdown
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _env(fake: FakeCloud) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTICLE_")}
    env.update(
        PARTICLE_ACCESS_TOKEN=fake.token,
        PARTICLE_API_BASE_URL=fake.base_url,
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def publishing(fake_cloud: FakeCloud) -> Iterator[FakeCloud]:
    """The fake cloud with a device publishing `temp/x` every 50 ms."""
    device = next(d for d in fake_cloud.devices if d.name == "alpha")
    simulation = fake_cloud.simulate(device, "temp/x", lambda i: str(i), interval=0.05)
    yield fake_cloud
    simulation.stop()


def _ended(proc: subprocess.Popen[str], within: float) -> tuple[float, str]:
    """Wait (bounded) for `proc` to exit; how long it took and its stderr."""
    began = time.monotonic()
    try:
        _, stderr = proc.communicate(timeout=within + 5)  # the slack shows how late it is
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"still running {within + 5:g}s after the signal")
    return time.monotonic() - began, stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("signum", "status", "said"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["SIGINT", "SIGTERM"],
)
def test_cli_subscribe_ends_on_a_signal(
    publishing: FakeCloud, signum: signal.Signals, status: int, said: str
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "particle_async.cli", "subscribe", "temp", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(publishing),
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # an event arrived: it is streaming
    assert '"temp/x"' in line, line + (proc.stderr.read() if proc.stderr else "")
    assert publishing.open_streams == 1
    proc.send_signal(signum)
    took, stderr = _ended(proc, PROMPT)
    assert proc.returncode == status, stderr
    assert took < PROMPT, f"took {took:.2f}s to exit"
    assert "Traceback" not in stderr, stderr
    assert said in stderr
    publishing.wait_for_streams_sync(0, timeout=PROMPT)  # the server saw the stream close


def _listening_socket() -> socket.socket:
    """Bound and listening before uvicorn starts: connections wait in the backlog until
    the app is up (the lifespan has connected upstream), so nothing polls for readiness."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.set_inheritable(True)
    return sock


@pytest.mark.timeout(60)
def test_relay_under_uvicorn_shuts_down_on_sigterm(publishing: FakeCloud) -> None:
    sock = _listening_socket()
    port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "examples.fastapi_relay.app:create_app",
            "--factory",
            "--fd",
            str(sock.fileno()),
            "--timeout-graceful-shutdown",
            f"{GRACE:g}",
            "--log-level",
            "info",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(publishing),
        cwd=ROOT,
        pass_fds=(sock.fileno(),),
    )
    sock.close()  # the child holds it now
    try:
        with httpx.Client(timeout=10) as browser:
            with browser.stream("GET", f"http://127.0.0.1:{port}/events?prefix=temp") as sse:
                assert sse.status_code == 200
                lines = sse.iter_lines()
                for line in lines:  # a relayed event: the relay is streaming to us
                    if line.startswith("event: temp/x"):
                        break
                assert publishing.open_streams == 1  # the relay's one upstream
                proc.send_signal(signal.SIGTERM)
                began = time.monotonic()
                with contextlib.suppress(httpx.RemoteProtocolError):
                    for _ in lines:  # uvicorn cuts it once the grace is over (see above)
                        pass
                browser_ended = time.monotonic() - began
        took, stderr = _ended(proc, GRACE + PROMPT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # uvicorn shuts down, then re-raises the signal it caught: death by SIGTERM is its
    # clean exit (the status a process manager expects).
    assert proc.returncode == -signal.SIGTERM, stderr
    assert browser_ended < GRACE + PROMPT, f"the browser's stream lasted {browser_ended:.2f}s"
    assert took < GRACE + PROMPT, f"uvicorn took {took:.2f}s more to exit"
    assert "Application shutdown complete" in stderr, stderr  # the lifespan's exit ran
    # The relay ends its open event streams itself on SIGTERM (examples/fastapi_relay/
    # lifecycle.py), so uvicorn never has to cancel a response: no traceback at all.
    assert "Traceback" not in stderr, stderr
    publishing.wait_for_streams_sync(0, timeout=PROMPT)  # the upstream was closed
