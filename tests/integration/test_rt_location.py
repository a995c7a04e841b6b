"""Round trips through the SDK against the fake cloud: asset tracking locations (paged
listing, date ranges, bounding boxes, one device, the fleet)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud, FakeDevice

from ..helpers import sdk
from .worlds import config_location
from .worlds.config_location import THEIRS, new_product, tracker

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products and devices."""
    with config_location.cloud() as cloud:
        yield cloud


T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def publish_fix(device: FakeDevice, minutes: int, lat: float, lon: float, **extra: Any) -> None:
    """A Tracker `loc` event, `minutes` after T0."""
    when = (T0 + timedelta(minutes=minutes)).timestamp()
    loc = {"lck": 1, "time": when, "lat": lat, "lon": lon, "hd": 90.0, "h_acc": 4.0, "spd": 3.5}
    device.publish("loc", json.dumps({"cmd": "loc", "time": when, "loc": loc, **extra}))


async def test_product_locations(fake: FakeCloud) -> None:
    product = new_product(fake)
    trucks = [tracker(fake, product, f"truck-{i}", groups=["trucks"]) for i in range(3)]
    van = tracker(fake, product, "van", groups=["vans"])
    tracker(fake, product, "never-located")
    for i, device in enumerate([*trucks, van]):
        publish_fix(device, 0, 31.0 + i, 34.0 + i)
        publish_fix(device, 10, 31.5 + i, 34.5 + i)
    trucks[0].publish("loc", "not json")  # ignored, as the cloud ignores malformed fixes
    async with sdk(fake) as cloud:
        first = await cloud.location.list(product.id, per_page=3)
        assert (len(first.items), first.total_pages, first.total) == (3, 2, 4)
        assert not first.is_last
        every = await cloud.location.iter(product.slug, per_page=3).collect()
        assert [loc.device_name for loc in every] == [
            f"truck-0-{product.id}",
            f"truck-1-{product.id}",
            f"truck-2-{product.id}",
            f"van-{product.id}",
        ]
        last_known = every[0]
        assert (last_known.geometry_type, last_known.points) == ("Point", [(34.5, 31.5)])
        assert last_known.timestamps == (T0 + timedelta(minutes=10),)
        assert (last_known.gps_lock, last_known.online, last_known.groups) == (
            True,
            True,
            ("trucks",),
        )

        track = await cloud.location.list(
            product.id, date_range=(T0 - timedelta(minutes=1), T0 + timedelta(minutes=20))
        )
        assert {loc.geometry_type for loc in track.items} == {"LineString"}
        assert track.items[1].points == [(35.0, 32.0), (35.5, 32.5)]
        early = await cloud.location.list(
            product.id, date_range=f"{T0.isoformat()},{(T0 + timedelta(minutes=5)).isoformat()}"
        )
        assert [loc.latest for loc in early.items][:2] == [(34.0, 31.0), (35.0, 32.0)]

        boxed = await cloud.location.list(product.id, rect_bl=(32.0, 35.0), rect_tr=(33.9, 36.9))
        assert [loc.device_id for loc in boxed.items] == [trucks[1].id, trucks[2].id]
        vans = await cloud.location.list(product.id, groups=["vans"])
        assert [loc.device_id for loc in vans.items] == [van.id]
        named = await cloud.location.list(
            product.id, device_name="truck-2", device_id=trucks[2].id[:6]
        )
        assert [loc.device_id for loc in named.items] == [trucks[2].id]
        with pytest.raises(BadRequestError):
            await cloud.location.list(product.id, date_range="yesterday")
        with pytest.raises(BadRequestError):
            await cloud.location.list(product.id, rect_bl="north", rect_tr="south")


async def test_one_device_and_the_fleet(fake: FakeCloud) -> None:
    product = new_product(fake)
    truck = tracker(fake, product, "truck", groups=["trucks"])
    van = tracker(fake, product, "van", groups=["vans"], online=False)
    quiet = tracker(fake, product, "quiet")
    publish_fix(truck, 0, 31.0, 34.0, temp=21.5)
    publish_fix(truck, 5, 31.1, 34.1, temp=22.0)
    publish_fix(van, 3, 40.0, -3.7)
    async with sdk(fake) as cloud:
        here = await cloud.location.get(product.id, truck.id)
        assert (here.device_id, here.points, here.geometry_type) == (
            truck.id,
            [(34.1, 31.1)],
            "Point",
        )
        assert here.properties == ({"hd": 90.0, "acc_h": 4.0, "speed": 3.5, "temp": 22.0},)
        path = await cloud.location.get(
            product.slug, truck.id, date_range=(T0, T0 + timedelta(hours=1))
        )
        assert path.points == [(34.0, 31.0), (34.1, 31.1)]
        assert [p["temp"] for p in path.properties] == [21.5, 22.0]
        outside = await cloud.location.get(
            product.id,
            truck.id,
            date_range=(T0, T0 + timedelta(hours=1)),
            rect_bl="0,0",
            rect_tr="1,1",
        )
        assert (outside.points, outside.timestamps) == ([], ())
        nothing = await cloud.location.get(product.id, quiet.id)
        assert (nothing.device_id, nothing.points) == (quiet.id, [])

        fleet = await cloud.location.fleet(product.id)
        assert {(loc.device_id, loc.latest) for loc in fleet} == {
            (truck.id, (34.1, 31.1)),
            (van.id, (-3.7, 40.0)),
        }
        assert [loc.online for loc in fleet if loc.device_id == van.id] == [False]
        assert [
            loc.device_id for loc in await cloud.location.fleet(product.id, groups=["vans"])
        ] == [van.id]
        assert await cloud.location.fleet(product.id, device_name="nobody") == []

        with pytest.raises(NotFoundError):
            await cloud.location.get(product.id, fake.add_device(f"elsewhere-{product.id}").id)
        with pytest.raises(ForbiddenError):
            await cloud.location.list(THEIRS)
        with pytest.raises(ForbiddenError):
            await cloud.location.fleet(THEIRS)
        with pytest.raises(NotFoundError):
            await cloud.location.fleet("no-such-product")
