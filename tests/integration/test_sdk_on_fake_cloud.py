"""The SDK end to end against the embedded fake cloud (the `fake_cloud` fixture, default
options): what no one API area owns — a bad token, retries, the client's limiter."""

from __future__ import annotations

import anyio
import pytest

from particle_async import NOT_GIVEN, Particle, RetryPolicy, ServerError, UnauthorizedError
from particle_async._client import default_limiter
from particle_async.testing import FakeCloud

from ..helpers import device, sdk

pytestmark = pytest.mark.anyio


async def test_bad_token_is_unauthorized_and_not_retried(fake_cloud: FakeCloud) -> None:
    async with Particle(token="f" * 40, base_url=fake_cloud.base_url) as cloud:
        before = len(fake_cloud.requests)
        with pytest.raises(UnauthorizedError) as caught:
            await cloud.devices.list()
        assert len(fake_cloud.requests) == before + 1
        assert "f" * 40 not in str(caught.value)


async def test_transient_5xx_is_retried_for_reads_only(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    async with sdk(
        fake_cloud, rate_limiter=NOT_GIVEN, retry=RetryPolicy(initial_backoff=0.01)
    ) as cloud:
        fake_cloud.faults.fail_next(2, status=503, body=b"<html>busy</html>")
        assert await cloud.devices.get_variable(alpha.id, "temperature") == 21.5
        fake_cloud.faults.fail_next(1, status=503)
        with pytest.raises(ServerError):
            await cloud.devices.call_function(alpha.id, "brew", "x")
        assert alpha.calls == []  # the failed call never ran, and was not re-sent


async def test_client_limiter_keeps_a_burst_under_the_cloud_limit() -> None:
    with FakeCloud(rate_limit=10) as fake:
        fake.add_device("d", variables={"v": 1})
        dev = fake.devices[0]
        limiter = default_limiter()
        async with sdk(fake, rate_limiter=limiter, retry=RetryPolicy(max_attempts=1)) as cloud:
            async with anyio.create_task_group() as tg:
                for _ in range(15):
                    tg.start_soon(cloud.devices.get_variable, dev.id, "v")
        assert limiter.statistics().granted == 15  # no 429 was raised: none needed retrying


async def test_429_storm_is_absorbed_by_retry_after(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    fake_cloud.faults.fail_next(3, status=429, headers={"Retry-After": "0"})
    async with sdk(fake_cloud, rate_limiter=NOT_GIVEN, retry=RetryPolicy(max_attempts=5)) as cloud:
        assert await cloud.devices.call_function(alpha.id, "brew", "ab") == 2
    assert alpha.calls == [("brew", "ab")]  # exactly once
