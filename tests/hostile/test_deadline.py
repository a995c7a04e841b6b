"""Item 9: `RetryPolicy.deadline` bounds the whole call, reads included."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from particle_async import RetryPolicy

from ._support import NetworkTimeoutError, client
from .rawserver import Conn, raw_server, silent

pytestmark = pytest.mark.anyio


async def trickle_forever(conn: Conn) -> None:
    """A head promising 10 kB, then one byte every 0.1 s."""
    await conn.send_head(200, {"Content-Type": "application/json", "Content-Length": "10000"})
    while True:
        await conn.send(b" ")
        await anyio.sleep(0.1)


@pytest.mark.parametrize("script", [trickle_forever, silent], ids=["trickled-body", "no-head"])
async def test_deadline_bounds_the_read(script: object) -> None:
    policy = RetryPolicy(deadline=0.5)
    async with raw_server(script) as server:  # type: ignore[arg-type]
        async with client(server, clock=None, retry=policy, timeout=5) as cloud:
            start = time.monotonic()
            with anyio.fail_after(5), pytest.raises(NetworkTimeoutError):
                await cloud.user.get()
            elapsed = time.monotonic() - start
    assert elapsed < 1.0, elapsed


async def test_read_timeout_is_a_network_timeout() -> None:
    policy = RetryPolicy(max_attempts=1)
    async with raw_server(silent) as server:
        async with client(server, clock=None, retry=policy, timeout=0.3) as cloud:
            with anyio.fail_after(5), pytest.raises(NetworkTimeoutError) as caught:
                await cloud.user.get()
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
