"""Starting and stopping: from sync code, asyncio and trio; prompt, leak-free shutdown;
`wait_for_streams` without polling."""

from __future__ import annotations

import contextlib
import threading
import time

import anyio
import httpx
import pytest

from particle_async.testing import FakeCloud

from .conftest import RawSSE, bearer


def test_stop_with_open_streams_is_prompt_and_leaks_nothing() -> None:
    before = set(threading.enumerate())
    cloud = FakeCloud().start()
    with (
        httpx.Client(base_url=cloud.base_url, headers=bearer(cloud.token)) as http,
        contextlib.ExitStack() as stack,
    ):
        readers = [
            RawSSE(stack.enter_context(http.stream("GET", "/v1/devices/events"))) for _ in range(3)
        ]
        assert [r.frame() for r in readers] == [b":ok\n\n"] * 3
        cloud.wait_for_streams_sync(3)
        started = time.monotonic()
        cloud.stop()
        assert time.monotonic() - started < 0.5
        assert [r.rest() for r in readers] == [b""] * 3  # each response ended cleanly
    assert not set(threading.enumerate()) - before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{cloud.base_url}/v1/user")


def test_lifecycle_is_explicit() -> None:
    cloud = FakeCloud()
    with pytest.raises(RuntimeError, match="not started"):
        _ = cloud.base_url
    with cloud:
        with pytest.raises(RuntimeError, match="cannot be started"):
            cloud.start()
        assert cloud.base_url.startswith("http://127.0.0.1:")
    cloud.stop()  # idempotent
    with pytest.raises(RuntimeError, match="cannot be started"):
        cloud.start()


@pytest.mark.anyio
async def test_async_use_on_asyncio_and_trio(anyio_backend: str) -> None:
    async with FakeCloud() as cloud:
        device = cloud.add_device(variables={"v": 7})
        async with httpx.AsyncClient(base_url=cloud.base_url, headers=bearer(cloud.token)) as http:
            assert (await http.get(f"/v1/devices/{device.id}/v")).json()["result"] == 7
            async with http.stream("GET", "/v1/devices/events") as response:
                await cloud.wait_for_streams(1)
                device.publish("hello", "world")
                received = b""
                # Not `break`: httpx's nested async generators only finish with the body
                # (trio warns otherwise). Stopping the cloud ends every stream cleanly.
                async for chunk in response.aiter_raw():
                    received += chunk
                    if received.count(b"\n\n") == 2:
                        await anyio.to_thread.run_sync(cloud.stop)
            assert received.startswith(b':ok\n\nevent: hello\ndata: {"data":"world"')


@pytest.mark.anyio
async def test_wait_for_streams_follows_a_background_subscriber(anyio_backend: str) -> None:
    async with FakeCloud() as cloud:
        failures: list[type[BaseException]] = []

        async def subscribe() -> None:
            async with httpx.AsyncClient(
                base_url=cloud.base_url, headers=bearer(cloud.token)
            ) as http:
                try:
                    async with http.stream("GET", "/v1/devices/events") as response:
                        async for _ in response.aiter_raw():
                            pass
                except httpx.RemoteProtocolError as exc:
                    failures.append(type(exc))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(subscribe)
            await cloud.wait_for_streams(1)
            cloud.faults.drop_streams()
        assert failures == [httpx.RemoteProtocolError]
        await cloud.wait_for_streams(0)


@pytest.mark.anyio
async def test_wait_for_streams_times_out_and_cancels_promptly(anyio_backend: str) -> None:
    async with FakeCloud() as cloud:
        with pytest.raises(TimeoutError, match="expected 1 open streams"):
            await cloud.wait_for_streams(1, timeout=0.05)
        started = time.monotonic()
        with anyio.move_on_after(0.05):
            await cloud.wait_for_streams(1, timeout=30)
        assert time.monotonic() - started < 1


def test_stop_is_prompt_even_when_a_reader_stopped_reading(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cloud = FakeCloud(rate_limit=None).start()
    device = cloud.add_device()
    with httpx.Client(base_url=cloud.base_url, headers=bearer(cloud.token)) as http:
        with http.stream("GET", "/v1/devices/events") as response:
            chunks = response.iter_raw()  # referenced: a collected iterator closes the response
            assert next(chunks) == b":ok\n\n"
            blob = "x" * 4000
            for _ in range(8000):  # ~32 MB: more than socket buffers and the queue hold
                device.publish("bulk", blob)
            assert cloud.dropped_events > 0  # the reader is behind; publishing never waited
            started = time.monotonic()
            cloud.stop()
            assert time.monotonic() - started < 0.5
    assert not [r for r in caplog.records if r.levelno >= 40]
