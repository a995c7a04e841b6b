"""Stopping the relay with browsers connected: under a real uvicorn process, SIGTERM ends
every open event stream at once (the responses complete), the server exits well before
its graceful-shutdown timeout, and nothing is logged as an error or a traceback."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

import anyio
import httpx
import pytest
from anyio.abc import Process

from particle_async.testing import FakeCloud

from .harness import TIMEOUT, Log

pytestmark = pytest.mark.anyio

ROOT = pathlib.Path(__file__).resolve().parents[2]
GRACEFUL = 20  # uvicorn's own limit: past it, it would cancel the streams (tracebacks)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and a unix socket")
async def test_sigterm_with_open_streams_exits_promptly_and_quietly(
    fake_cloud: FakeCloud, tmp_path: pathlib.Path
) -> None:
    uds = tmp_path / "relay.sock"
    env = {
        **os.environ,
        "PARTICLE_ACCESS_TOKEN": fake_cloud.token,
        "PARTICLE_API_BASE_URL": fake_cloud.base_url,
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "examples.fastapi_relay.app:create_app",
        "--factory",
        "--uds",
        str(uds),
        "--timeout-graceful-shutdown",
        str(GRACEFUL),
        "--no-access-log",
    ]
    log = Log()
    transport = httpx.AsyncHTTPTransport(uds=str(uds))
    async with (
        await anyio.open_process(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL) as process,
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(log.pump, process)
        try:
            elapsed = await _streams_then_sigterm(process, log, fake_cloud, transport)
        finally:
            if process.returncode is None:  # the test failed early: never leave it running
                process.kill()
        # The pump ends at EOF, once the process is gone: its whole stderr is in the log.
        with anyio.fail_after(TIMEOUT):
            code = await process.wait()

    assert code in (0, -signal.SIGTERM), log.text
    assert elapsed < GRACEFUL / 2, f"took {elapsed:.1f}s: the streams did not end\n{log.text}"
    assert "Traceback" not in log.text, log.text
    assert "ERROR" not in log.text, log.text
    assert "Application shutdown complete" in log.text, log.text
    await fake_cloud.wait_for_streams(0, timeout=TIMEOUT)  # the upstream was closed


async def _streams_then_sigterm(
    process: Process, log: Log, fake_cloud: FakeCloud, transport: httpx.AsyncHTTPTransport
) -> float:
    """Open two event streams, send SIGTERM, read both to their end and wait for the
    exit; the seconds from the signal to the exit."""
    with anyio.fail_after(TIMEOUT * 3):  # a cold interpreter on a busy machine
        await log.wait_for("Uvicorn running on")  # logged once the socket listens
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://relay", timeout=TIMEOUT) as c,
        c.stream("GET", "/events") as first,
        c.stream("GET", "/events", params={"prefix": "temp"}) as second,
    ):
        assert first.status_code == second.status_code == 200
        lines = [first.aiter_lines(), second.aiter_lines()]
        with anyio.fail_after(TIMEOUT):
            for browser in lines:
                assert await browser.__anext__() == "retry: 3000"
        await fake_cloud.wait_for_streams(1, timeout=TIMEOUT)

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        with anyio.fail_after(TIMEOUT):  # both bodies end: the relay completed them
            for browser in lines:
                async for _ in browser:
                    pass
    with anyio.fail_after(TIMEOUT):
        await process.wait()
    return time.monotonic() - started
