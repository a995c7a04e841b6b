"""Round trips through the SDK against the fake cloud: product and device configuration
with their JSON Schemas (422 on values or schemas that break the rules)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from particle_async import ForbiddenError, NotFoundError, UnprocessableEntityError
from particle_async.testing import FakeCloud

from ..helpers import sdk
from .worlds import config_location
from .worlds.config_location import THEIRS, new_product, tracker

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products and devices."""
    with config_location.cloud() as cloud:
        yield cloud


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
