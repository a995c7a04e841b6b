"""The SDK end to end against the embedded fake cloud: real HTTP on 127.0.0.1."""

from __future__ import annotations

import anyio
import pytest

from particle_async import (
    DeviceOfflineError,
    NotFoundError,
    Particle,
    RetryPolicy,
    ServerError,
    UnauthorizedError,
)
from particle_async._client import default_limiter
from particle_async.streaming import StreamState, StreamStatus
from particle_async.testing import FakeCloud, FakeDevice

pytestmark = pytest.mark.anyio


def device(fake: FakeCloud, name: str) -> FakeDevice:
    return next(d for d in fake.devices if d.name == name)


def sdk(fake: FakeCloud, **kwargs: object) -> Particle:
    return Particle(token=fake.token, base_url=fake.base_url, **kwargs)  # type: ignore[arg-type]


async def test_device_calls(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    async with sdk(fake_cloud) as cloud:
        listed = await cloud.devices.list()
        assert sorted(d.name or "" for d in listed) == ["alpha", "beta"]
        detail = await cloud.devices.get(alpha.id)
        assert detail.id == alpha.id
        assert set(detail.variables) == {"temperature", "label"}
        assert "brew" in detail.functions
        assert await cloud.devices.get_variable(alpha.id, "temperature") == 21.5
        assert await cloud.devices.call_function(alpha.id, "brew", "abc") == 3
        assert alpha.calls[-1] == ("brew", "abc")
        await cloud.devices.rename(alpha.id, "alpha-2")
        await cloud.devices.set_notes(alpha.id, "on the shelf")
        assert (alpha.name, alpha.notes) == ("alpha-2", "on the shelf")
        assert (await cloud.devices.ping(alpha.id)).online
        await cloud.devices.signal(alpha.id, True)


async def test_device_errors(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    async with sdk(fake_cloud) as cloud:
        with pytest.raises(NotFoundError) as unknown:
            await cloud.devices.get_variable(alpha.id, "nope")
        assert "nope" in str(unknown.value)
        alpha.go_offline()
        with pytest.raises(DeviceOfflineError):
            await cloud.devices.get_variable(alpha.id, "temperature")
        with pytest.raises(NotFoundError):
            await cloud.devices.get("0" * 24)


async def test_claim_and_remove(fake_cloud: FakeCloud) -> None:
    loose = fake_cloud.add_device("loose", claimed=False)
    async with sdk(fake_cloud) as cloud:
        claimed = await cloud.devices.claim(loose.id)
        assert claimed.ok
        assert "loose" in [d.name for d in await cloud.devices.list()]
        assert await cloud.devices.remove(loose.id)
        assert "loose" not in [d.name for d in await cloud.devices.list()]


async def test_tokens_and_user(fake_cloud: FakeCloud) -> None:
    async with Particle(base_url=fake_cloud.base_url) as anonymous:
        grant = await anonymous.tokens.create("user@example.com", "password", expires_in=3600)
        assert len(grant.access_token) >= 32
        tokens = await anonymous.tokens.list("user@example.com", "password")
        assert grant.access_token in [t.token for t in tokens]
        async with sdk(fake_cloud) as cloud:
            cloud.use_token(grant.access_token)
            assert (await cloud.user.get()).username == "user@example.com"
            assert await cloud.tokens.delete_current()
            with pytest.raises(UnauthorizedError):
                await cloud.user.get()


async def test_bad_token_is_unauthorized_and_not_retried(fake_cloud: FakeCloud) -> None:
    async with Particle(token="f" * 40, base_url=fake_cloud.base_url) as cloud:
        before = len(fake_cloud.requests)
        with pytest.raises(UnauthorizedError) as caught:
            await cloud.devices.list()
        assert len(fake_cloud.requests) == before + 1
        assert "f" * 40 not in str(caught.value)


async def test_transient_5xx_is_retried_for_reads_only(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    async with sdk(fake_cloud, retry=RetryPolicy(initial_backoff=0.01)) as cloud:
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
    async with sdk(fake_cloud, retry=RetryPolicy(max_attempts=5)) as cloud:
        assert await cloud.devices.call_function(alpha.id, "brew", "ab") == 2
    assert alpha.calls == [("brew", "ab")]  # exactly once


async def test_publish_and_subscribe_round_trip(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    async with sdk(fake_cloud) as cloud:
        async with cloud.events.subscribe("temp") as stream:
            await fake_cloud.wait_for_streams(1)
            alpha.publish("humidity", "40")
            alpha.publish("temp", "22.5", ttl=30)
            await cloud.events.publish("temperature/api", "from api")
            got = []
            with anyio.fail_after(5):
                async for event in stream:
                    got.append(event)
                    if len(got) == 2:
                        break
        assert [(e.name, e.data, e.device_id) for e in got] == [
            ("temp", "22.5", alpha.id),
            ("temperature/api", "from api", "api"),
        ]
        assert got[0].ttl == 30
        assert got[0].published_at is not None


@pytest.mark.parametrize("scope", ["device", "product", "product-device"])
async def test_scoped_streams(fake_cloud: FakeCloud, scope: str) -> None:
    product = fake_cloud.add_product(4242, slug="widget")
    member = fake_cloud.add_device("member", product_id=4242)
    other = device(fake_cloud, "alpha")
    kwargs = {
        "device": {"device": member.id},
        "product": {"product": "widget"},
        "product-device": {"product": 4242, "device": member.id},
    }[scope]
    async with sdk(fake_cloud) as cloud:
        async with cloud.events.subscribe("t", **kwargs) as stream:  # type: ignore[arg-type]
            await fake_cloud.wait_for_streams(1)
            other.publish("t", "not for this scope")
            member.publish("x", "wrong prefix")
            member.publish("t", "mine")
            with anyio.fail_after(5):
                event = await stream.__anext__()
    assert (event.name, event.data, event.device_id) == ("t", "mine", member.id)
    if scope != "device":
        assert event.product_id == product.id


async def test_stream_survives_drops_and_garbage(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    statuses: list[StreamStatus] = []

    def on_status(status: StreamStatus) -> None:
        statuses.append(status)
        if status.state is StreamState.CONNECTED and len(statuses) > 2:
            alpha.publish("e", "2")  # only once the replacement connection is up

    async with sdk(fake_cloud) as cloud:
        stream = cloud.events.subscribe(on_status=on_status)
        async with stream:
            await fake_cloud.wait_for_streams(1)
            got: list[str] = []
            with anyio.fail_after(10):
                alpha.publish("e", "1")
                got.append((await stream.__anext__()).data or "")
                fake_cloud.faults.send_raw(b"event: junk\ndata: {broken\n\n")
                junk = await stream.__anext__()
                assert junk.malformed
                fake_cloud.faults.drop_streams()
                got.append((await stream.__anext__()).data or "")
        assert got == ["1", "2"]
        assert stream.stats.reconnects == 1
        assert [s.state for s in statuses] == [
            StreamState.CONNECTING,
            StreamState.CONNECTED,
            StreamState.RECONNECTING,
            StreamState.RECONNECTING,
            StreamState.CONNECTED,
            StreamState.CLOSED,
        ]


async def test_stalled_stream_is_replaced(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")

    def on_status(status: StreamStatus) -> None:
        if status.state is StreamState.RECONNECTING:
            fake_cloud.faults.stall_streams(False)
        elif status.state is StreamState.CONNECTED and stream.stats.connects == 2:
            alpha.publish("after", "stall")

    async with sdk(fake_cloud) as cloud:
        stream = cloud.events.subscribe(idle_timeout=0.3, on_status=on_status)
        async with stream:
            await fake_cloud.wait_for_streams(1)
            fake_cloud.faults.stall_streams(True)
            with anyio.fail_after(10):
                event = await stream.__anext__()
        assert event.name == "after"
        assert stream.stats.idle_timeouts == 1
        assert stream.stats.reconnects == 1


async def test_special_events_and_hub_on_the_fake_cloud(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    async with sdk(fake_cloud) as cloud:
        hub = cloud.events.hub()
        status = hub.subscribe("spark/status")
        everything = hub.subscribe()
        async with hub:
            await fake_cloud.wait_for_streams(1)
            alpha.go_offline()
            alpha.go_online()
            alpha.publish("hook-response/temp/0", "ok")
            with anyio.fail_after(5):
                seen = [await status.__anext__(), await status.__anext__()]
                names = [(await everything.__anext__()).name for _ in range(3)]
        assert [(e.name, e.data, e.device_id) for e in seen] == [
            ("spark/status", "offline", alpha.id),
            ("spark/status", "online", alpha.id),
        ]
        assert names == ["spark/status", "spark/status", "hook-response/temp/0"]
        assert hub.stream is not None
        assert hub.stream.stats.connects == 1
