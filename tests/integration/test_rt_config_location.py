"""Round trips through the SDK against the fake cloud: product and device configuration
with their JSON Schemas (422 on values or schemas that break the rules), and asset
tracking locations (paged listing, date ranges, bounding boxes, one device, the fleet)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from particle_async import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    Particle,
    UnprocessableEntityError,
)
from particle_async.testing import FakeCloud, FakeDevice, FakeProduct

pytestmark = pytest.mark.anyio

OTHER = "config-other@example.com"
THEIRS = 9200
_numbers = itertools.count(3000)

CONFIG: dict[str, Any] = {
    "location": {"radius": 5.0, "interval_min": 30, "interval_max": 300, "min_publish": False},
    "imu_trig": {"motion": "disable", "high_g": "disable"},
}
CUSTOM_SCHEMA: dict[str, Any] = {  # the docs' example
    "$schema": "https://particle.io/draft-07/schema#",
    "type": "object",
    "title": "Fake Custom Schema",
    "description": "A customized JSON schema for testing",
    "required": ["foo"],
    "properties": {
        "foo": {"$id": "#/properties/foo", "type": "integer", "default": 1, "minimum": 0},
        "bar": {"$id": "#/properties/bar", "type": "string", "default": ""},
    },
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products and devices."""
    with FakeCloud(rate_limit=None) as cloud:
        other = cloud.add_user(OTHER, "secret")
        cloud.add_product(THEIRS, "their-config", members=[other])
        yield cloud


def sdk(fake: FakeCloud) -> Particle:
    return Particle(token=fake.token, base_url=fake.base_url, rate_limiter=None)


def new_product(fake: FakeCloud) -> FakeProduct:
    number = next(_numbers)
    return fake.add_product(number, f"tracker-{number}", platform_id=26)


def tracker(fake: FakeCloud, product: FakeProduct, name: str, **fields: Any) -> FakeDevice:
    return fake.add_device(f"{name}-{product.id}", product_id=product.id, platform_id=26, **fields)


# === configuration =======================================================================


async def test_product_configuration_round_trip(fake: FakeCloud) -> None:
    product = new_product(fake)
    online = tracker(fake, product, "online")
    offline = tracker(fake, product, "offline", online=False)
    async with sdk(fake) as cloud:
        with pytest.raises(NotFoundError):  # never set
            await cloud.configuration.get(product.id)
        with pytest.raises(NotFoundError):
            await cloud.configuration.get_device(product.id, online.id)
        schema = await cloud.configuration.get_schema(product.id)
        assert schema["type"] == "object"
        assert "location" in schema["properties"]

        update = await cloud.configuration.set(product.slug, CONFIG)
        assert (update.status, update.pending) == (202, True)
        assert dict((await cloud.configuration.get(product.id)).configuration) == CONFIG
        assert (await cloud.configuration.get(product.id)).section("location")["radius"] == 5.0
        applied = await cloud.configuration.get_device(product.id, online.id)
        assert (dict(applied.current), applied.in_sync) == (CONFIG, True)
        waiting = await cloud.configuration.get_device(product.id, offline.id)
        assert (dict(waiting.current), dict(waiting.pending)) == ({}, CONFIG)
        assert not waiting.in_sync

        changed = {**CONFIG, "location": {**CONFIG["location"], "radius": 50}}
        await cloud.configuration.set(product.id, changed)  # whole documents, no merging
        assert (await cloud.configuration.get(product.id)).section("location")["radius"] == 50
        offline.go_online()  # the device picks up what is pending once it is back
        caught_up = await cloud.configuration.get_device(product.id, offline.id)
        assert (dict(caught_up.current), caught_up.in_sync) == (changed, True)


async def test_device_configuration_overrides_and_resets(fake: FakeCloud) -> None:
    product = new_product(fake)
    online = tracker(fake, product, "online")
    offline = tracker(fake, product, "offline", online=False)
    other = tracker(fake, product, "other")
    own = {"location": {"radius": 1.5}}
    async with sdk(fake) as cloud:
        await cloud.configuration.set(product.id, CONFIG)
        done = await cloud.configuration.set_device(product.id, online.id, own)
        assert (done.status, done.applied) == (200, True)
        assert dict((await cloud.configuration.get_device(product.id, online.id)).current) == own
        later = await cloud.configuration.set_device(product.id, offline.id, own)
        assert (later.status, later.pending) == (202, True)

        # A product-wide update skips devices with their own configuration...
        product_wide = {"location": {"radius": 9.0}}
        await cloud.configuration.set(product.id, product_wide)
        assert dict((await cloud.configuration.get_device(product.id, online.id)).current) == own
        assert dict((await cloud.configuration.get_device(product.id, other.id)).current) == (
            product_wide
        )
        # ...unless limited to devices, which then take it as their own,
        limited = {"location": {"radius": 2.5}}
        await cloud.configuration.set(product.id, limited, device_ids=[other.id])
        assert dict((await cloud.configuration.get_device(product.id, other.id)).current) == limited
        assert dict((await cloud.configuration.get(product.id)).configuration) == product_wide
        # and an empty configuration resets devices to the product defaults.
        await cloud.configuration.set(product.id, {}, device_ids=[other.id])
        assert dict((await cloud.configuration.get_device(product.id, other.id)).current) == (
            product_wide
        )
        reset = await cloud.configuration.reset_device(product.id, online.id)
        assert reset.applied
        assert dict((await cloud.configuration.get_device(product.id, online.id)).current) == (
            product_wide
        )


async def test_values_that_break_the_schema_answer_422(fake: FakeCloud) -> None:
    product = new_product(fake)
    device = tracker(fake, product, "strict")
    async with sdk(fake) as cloud:
        with pytest.raises(UnprocessableEntityError) as low:
            await cloud.configuration.set(product.id, {"location": {"radius": -1}})
        (violation,) = low.value.violations
        assert violation == {
            "keyword": "minimum",
            "dataPath": ".location.radius",
            "schemaPath": "#/properties/location/properties/radius/minimum",
            "params": {"comparison": ">=", "limit": 0},
            "message": "should be >= 0",
        }
        assert low.value.body["description"] == "data.location.radius should be >= 0"
        assert low.value.body["message"] == "Invalid configuration"

        with pytest.raises(UnprocessableEntityError) as extra:
            await cloud.configuration.set_device(product.id, device.id, {"lasers": {"on": True}})
        assert [v["keyword"] for v in extra.value.violations] == ["additionalProperties"]
        assert extra.value.violations[0]["params"] == {"additionalProperty": "lasers"}
        with pytest.raises(UnprocessableEntityError) as wrong:
            bad = {"imu_trig": {"motion": "sideways"}, "location": {"interval_min": "often"}}
            await cloud.configuration.set(product.id, bad)
        assert sorted(v["keyword"] for v in wrong.value.violations) == ["enum", "type"]
        with pytest.raises(NotFoundError):  # nothing was stored
            await cloud.configuration.get(product.id)


async def test_schemas_of_products_and_devices(fake: FakeCloud) -> None:
    product = new_product(fake)
    device = tracker(fake, product, "custom")
    async with sdk(fake) as cloud:
        default = await cloud.configuration.get_schema(product.id)
        stored = await cloud.configuration.set_schema(product.id, CUSTOM_SCHEMA)
        assert stored == CUSTOM_SCHEMA
        assert await cloud.configuration.get_schema(product.slug) == CUSTOM_SCHEMA
        assert await cloud.configuration.get_device_schema(product.id, device.id) == CUSTOM_SCHEMA
        with pytest.raises(UnprocessableEntityError) as missing:
            await cloud.configuration.set(product.id, {"bar": "x"})
        assert missing.value.violations[0]["keyword"] == "required"
        assert (await cloud.configuration.set(product.id, {"foo": 2, "bar": "x"})).pending

        device_schema = {"type": "object", "properties": {"mode": {"type": "string"}}}
        assert await cloud.configuration.set_device_schema(product.id, device.id, device_schema)
        assert await cloud.configuration.get_device_schema(product.id, device.id) == device_schema
        assert (await cloud.configuration.set_device(product.id, device.id, {"mode": "x"})).applied
        assert await cloud.configuration.delete_device_schema(product.id, device.id)
        assert await cloud.configuration.get_device_schema(product.id, device.id) == CUSTOM_SCHEMA
        assert await cloud.configuration.delete_schema(product.id)
        assert await cloud.configuration.get_schema(product.id) == default

        with pytest.raises(UnprocessableEntityError) as invalid:
            await cloud.configuration.set_schema(product.id, {**CUSTOM_SCHEMA, "nope": 1})
        assert invalid.value.body["message"] == "Invalid Schema"
        assert invalid.value.body["description"] == "data should NOT have additional properties"
        assert invalid.value.violations[0]["params"] == {"additionalProperty": "nope"}
        with pytest.raises(UnprocessableEntityError):
            await cloud.configuration.set_schema(product.id, {"type": "string"})
        with pytest.raises(UnprocessableEntityError):
            wrong_type = {"type": "object", "properties": {"x": {"type": "text"}}}
            await cloud.configuration.set_device_schema(product.id, device.id, wrong_type)


async def test_configuration_errors(fake: FakeCloud) -> None:
    product = new_product(fake)
    stranger = fake.add_device(f"not-in-product-{product.id}")
    async with sdk(fake) as cloud:
        with pytest.raises(ForbiddenError):
            await cloud.configuration.get(THEIRS)
        with pytest.raises(ForbiddenError):
            await cloud.configuration.set(THEIRS, CONFIG)
        with pytest.raises(NotFoundError):
            await cloud.configuration.get_schema("no-such-product")
        with pytest.raises(NotFoundError):
            await cloud.configuration.get_device(product.id, stranger.id)
        with pytest.raises(NotFoundError):
            await cloud.configuration.set_device(product.id, stranger.id, CONFIG)


# === location ============================================================================

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
