"""The page in a real browser: headless Chromium opens `/` on the relay (running against
the fake cloud), the page's EventSource connects, a device publishes, and the test reads
the page's DOM over the DevTools protocol to check what it shows.

Every wait is on an event under a bounded timeout: Chromium's "DevTools listening" line,
the relay's count of connected browsers, and, inside the page, a MutationObserver that
resolves once the event counter shows the number expected. Skipped when no Chromium is
installed (Debian: `apt-get install chromium`; `.ci/run` installs it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI

from particle_async.testing import FakeCloud, FakeDevice

from .app import create_app
from .harness import TIMEOUT, Log, listening_socket, serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_TIMEOUT = 60.0  # a cold browser start on a busy two-core machine

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium on this machine (Debian: apt-get install chromium); CI installs it",
    ),
    pytest.mark.skipif(sys.platform == "win32", reason="process groups"),
    pytest.mark.timeout(2 * BROWSER_TIMEOUT),
]

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]

# Resolves with the page's HTML once the counter shows `want` events.
WAIT_FOR_COUNT = """
new Promise((resolve) => {
  const counter = document.getElementById("events");
  const check = () => {
    if (counter.textContent === "%d") resolve(document.documentElement.outerHTML);
  };
  new MutationObserver(check).observe(counter, {childList: true, characterData: true, subtree: true});
  check();
})
"""


@contextlib.asynccontextmanager
async def chromium(url: str, profile: Path) -> AsyncIterator[int]:
    """Headless Chromium showing `url`; yields its DevTools port. The browser and all of
    its helper processes (one process group, ours) are killed on the way out."""
    assert CHROMIUM is not None
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", url]
    log = Log()
    process = await anyio.open_process(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(log.pump, process)
            with anyio.fail_after(BROWSER_TIMEOUT):
                await log.wait_for("DevTools listening on")
            match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", log.text)
            assert match is not None, log.text
            try:
                yield int(match.group(1))
            finally:
                tg.cancel_scope.cancel()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with anyio.CancelScope(shield=True), anyio.fail_after(TIMEOUT):
            await process.wait()
        await process.aclose()


async def evaluate(devtools_port: int, expression: str) -> Any:
    """Evaluate `expression` in the page (awaiting a promise) and return its value."""
    import aiohttp  # the dev extra's websocket client; the test is asyncio-only

    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        targets = (await client.get(f"http://127.0.0.1:{devtools_port}/json/list")).json()
    page = next(t for t in targets if t["type"] == "page")
    request = {
        "id": 1,
        "method": "Runtime.evaluate",
        "params": {"expression": expression, "awaitPromise": True, "returnByValue": True},
    }
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws,
    ):
        await ws.send_str(json.dumps(request))
        async for message in ws:
            answer = json.loads(message.data)
            if answer.get("id") == 1:
                assert "exceptionDetails" not in answer["result"], answer
                return answer["result"]["result"]["value"]
    raise AssertionError("the DevTools connection closed without an answer")


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match is not None, f"no #{element_id} in the page"
    return match.group(1)


async def test_the_page_shows_live_events(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    alpha = fake_cloud.device("alpha")
    app = create_app(token=fake_cloud.token, base_url=fake_cloud.base_url)
    async with serve(app, listening_socket()) as url:
        html = await _page_after_publishing(app, alpha, f"{url}/?prefix=temp", tmp_path, url)

    assert text_of(html, "events") == "3"
    assert text_of(html, "status") == "connected"
    assert text_of(html, "reconnects") == "0"
    log = html[html.index('id="log"') :]
    assert log.index("23.5") < log.index("22.0") < log.index("21.5")  # newest first
    assert "humidity" not in log
    assert alpha.id in log


async def test_a_page_from_another_origin_reads_events_through_cors(
    fake_cloud: FakeCloud, tmp_path: Path
) -> None:
    """The page loads from `localhost`, the relay it reads is `127.0.0.1`: two origins, so
    the browser's EventSource only gets through because the relay allows the page's."""
    alpha = fake_cloud.device("alpha")
    sock = listening_socket()
    port = sock.getsockname()[1]
    page_origin, relay = f"http://localhost:{port}", f"http://127.0.0.1:{port}"
    app = create_app(
        token=fake_cloud.token, base_url=fake_cloud.base_url, cors_origins=[page_origin]
    )
    async with serve(app, sock):
        page = f"{page_origin}/?prefix=temp&relay={relay}"
        html = await _page_after_publishing(app, alpha, page, tmp_path, relay)
    assert text_of(html, "events") == "3"
    assert text_of(html, "status") == "connected"


async def _page_after_publishing(
    app: FastAPI, device: FakeDevice, page: str, tmp_path: Path, relay: str
) -> str:
    """Open `page` in Chromium, wait until its EventSource is connected to the relay,
    publish three matching events and one other, and return the page's HTML once its
    counter shows 3."""
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        assert (await client.get(f"{relay}/healthz")).status_code == 200  # startup is done
    async with chromium(page, tmp_path / "profile") as devtools:
        with anyio.fail_after(BROWSER_TIMEOUT):
            await app.state.relays.wait_for(1)  # the page's EventSource is connected
        device.publish("temp", "21.5")
        device.publish("humidity", "40")  # outside the page's prefix: not shown
        device.publish("temperature", "22.0")
        device.publish("temp", "23.5")
        with anyio.fail_after(BROWSER_TIMEOUT):
            html: str = await evaluate(devtools, WAIT_FOR_COUNT % 3)
    return html
