"""Events through the SDK against the fake cloud (the `fake_cloud` fixture, default
options): publish and subscribe, scoped streams, drops, stalls and the hub."""

from __future__ import annotations

import anyio
import pytest

from particle_async import NOT_GIVEN
from particle_async.streaming import StreamState, StreamStatus
from particle_async.testing import FakeCloud

from ..helpers import device, sdk

pytestmark = pytest.mark.anyio


async def test_publish_and_subscribe_round_trip(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    async with sdk(fake_cloud, rate_limiter=NOT_GIVEN) as cloud:
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
    async with sdk(fake_cloud, rate_limiter=NOT_GIVEN) as cloud:
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

    async with sdk(fake_cloud, rate_limiter=NOT_GIVEN) as cloud:
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

    async with sdk(fake_cloud, rate_limiter=NOT_GIVEN) as cloud:
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
    async with sdk(fake_cloud, rate_limiter=NOT_GIVEN) as cloud:
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
