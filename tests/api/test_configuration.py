"""`cloud.configuration`: product and device configuration and their JSON Schemas."""

from __future__ import annotations

import httpx
import pytest
import respx

from particle_async import Particle
from particle_async._errors import BadRequestError, NotFoundError, UnprocessableEntityError

from ..helpers import body_of, sent

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product"]
DEVICE = "0123456789abcdef01234567"


CONFIG = {"location": {"radius": 1, "interval_min": 30}, "imu_trig": {"motion": "disable"}}
SCHEMA = {"$schema": "https://particle.io/draft-07/schema#", "type": "object", "properties": {}}


@pytest.mark.parametrize("product", PRODUCTS)
async def test_get_configuration_and_schema(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.get(f"/v1/products/{product}/config").mock(
        side_effect=[
            httpx.Response(200, json={"configuration": CONFIG}),
            httpx.Response(200, json=SCHEMA, headers={"Content-Type": "application/schema+json"}),
        ]
    )
    config = await cloud.configuration.get(product)
    assert sent(route, 0).headers["Accept"] == "application/json"
    assert config.section("location") == {"radius": 1, "interval_min": 30}
    assert await cloud.configuration.get_schema(product) == SCHEMA
    assert sent(route, 1).headers["Accept"] == "application/schema+json"


async def test_unset_configuration_is_not_found(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/products/1234/config").respond(404, json={})
    with pytest.raises(NotFoundError):
        await cloud.configuration.get(1234)


@pytest.mark.parametrize("product", PRODUCTS)
async def test_get_device_configuration_and_schema(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.get(f"/v1/products/{product}/config/{DEVICE}").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "configuration": {"current": CONFIG, "pending": {"location": {"radius": 10}}}
                },
            ),
            httpx.Response(200, json=SCHEMA),
        ]
    )
    device = await cloud.configuration.get_device(product, DEVICE)
    assert device.current == CONFIG
    assert device.pending == {"location": {"radius": 10}}
    assert not device.in_sync
    assert await cloud.configuration.get_device_schema(product, DEVICE) == SCHEMA
    assert sent(route, 1).headers["Accept"] == "application/schema+json"


@pytest.mark.parametrize("product", PRODUCTS)
async def test_set_product_configuration(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.put(f"/v1/products/{product}/config").respond(202, json={})
    update = await cloud.configuration.set(product, CONFIG)
    assert body_of(route) == CONFIG
    assert (update.status, update.pending, update.applied) == (202, True, False)
    await cloud.configuration.set(product, CONFIG, device_ids=["d1"])
    assert body_of(route) == {**CONFIG, "deviceIds": ["d1"]}


@pytest.mark.parametrize(("status", "pending"), [(200, False), (202, True)])
async def test_set_device_configuration(
    cloud: Particle, router: respx.Router, status: int, pending: bool
) -> None:
    route = router.put(f"/v1/products/my-product/config/{DEVICE}").respond(status, json={})
    update = await cloud.configuration.set_device("my-product", DEVICE, {"location": {"radius": 5}})
    assert body_of(route) == {"location": {"radius": 5}}
    assert update.pending is pending
    await cloud.configuration.reset_device("my-product", DEVICE)
    assert body_of(route) == {}


async def test_device_rejecting_configuration(cloud: Particle, router: respx.Router) -> None:
    router.put(f"/v1/products/1234/config/{DEVICE}").respond(
        400,
        json={
            "error": "device_rejected_configuration",
            "error_description": "Configuration updates failed for some sections: {location: -19}",
        },
    )
    with pytest.raises(BadRequestError) as caught:
        await cloud.configuration.set_device(1234, DEVICE, CONFIG)
    assert caught.value.error == "device_rejected_configuration"


@pytest.mark.parametrize("product", PRODUCTS)
async def test_set_and_delete_schemas(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    product_put = router.put(f"/v1/products/{product}/config").respond(json=SCHEMA)
    device_put = router.put(f"/v1/products/{product}/config/{DEVICE}").respond(json=SCHEMA)
    product_delete = router.delete(f"/v1/products/{product}/config").respond(204)
    device_delete = router.delete(f"/v1/products/{product}/config/{DEVICE}").respond(204)
    assert await cloud.configuration.set_schema(product, SCHEMA) == SCHEMA
    assert body_of(product_put, "application/schema+json") == SCHEMA
    assert await cloud.configuration.set_device_schema(product, DEVICE, SCHEMA) == SCHEMA
    assert body_of(device_put, "application/schema+json") == SCHEMA
    assert await cloud.configuration.delete_schema(product)
    assert body_of(product_delete, "application/schema+json") == {}
    assert await cloud.configuration.delete_device_schema(product, DEVICE)
    assert body_of(device_delete, "application/schema+json") == {}


async def test_invalid_schema_is_422_with_violations(cloud: Particle, router: respx.Router) -> None:
    violation = {
        "keyword": "additionalProperties",
        "dataPath": "",
        "schemaPath": "#/additionalProperties",
        "params": {"additionalProperty": "nope"},
        "message": "should NOT have additional properties",
    }
    router.put("/v1/products/1234/config").respond(
        422,
        json={
            "message": "Invalid Schema",
            "description": "data should NOT have additional properties",
            "violations": [violation],
        },
    )
    with pytest.raises(UnprocessableEntityError) as caught:
        await cloud.configuration.set_schema(1234, {"nope": True})
    assert caught.value.status == 422
    assert caught.value.violations == [violation]
    assert caught.value.error_description == "data should NOT have additional properties"
