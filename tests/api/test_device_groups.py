"""`cloud.device_groups`: listing, editing, assigning devices, release impact."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from particle_async import Particle
from particle_async.models.device_groups import DeviceGroup, GroupImpact

from ..helpers import body_of, query_of

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product"]
DEVICE = "0123456789abcdef01234567"


GROUP = {"name": "group_a", "description": "the A group", "color": "#e74c3c", "fw_version": 1}


@pytest.mark.parametrize("product", PRODUCTS)
async def test_groups_list_and_get(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    listing = router.get(f"/v1/products/{product}/groups").respond(json={"groups": [GROUP]})
    one = router.get(f"/v1/products/{product}/groups/group_a").respond(
        json={"group": {**GROUP, "device_count": 3}}
    )
    groups = await cloud.device_groups.list(product, name="gr")
    assert query_of(listing) == {"name": "gr"}
    assert isinstance(groups[0], DeviceGroup)
    assert (groups[0].name, groups[0].fw_version) == ("group_a", 1)
    await cloud.device_groups.list(product)
    assert query_of(listing) == {}
    group = await cloud.device_groups.get(product, "group_a")
    assert one.called
    assert group.device_count == 3


@pytest.mark.parametrize("product", PRODUCTS)
async def test_groups_create_update_delete(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    create = router.post(f"/v1/products/{product}/groups").respond(201, json={"group": GROUP})
    update = router.put(f"/v1/products/{product}/groups/group_a").respond(
        json={"group": {**GROUP, "name": "double_agent"}}
    )
    delete = router.delete(f"/v1/products/{product}/groups/group_a").respond(204)
    created = await cloud.device_groups.create(product, "group_a", color="#e74c3c")
    assert body_of(create) == {"name": "group_a", "color": "#e74c3c"}
    assert created.name == "group_a"
    updated = await cloud.device_groups.update(product, "group_a", new_name="double_agent")
    assert body_of(update) == {"name": "double_agent"}
    assert updated.name == "double_agent"
    await cloud.device_groups.update(product, "group_a", description="d", color="#000000")
    assert body_of(update) == {"description": "d", "color": "#000000"}
    assert await cloud.device_groups.delete(product, "group_a")
    assert delete.called
    with pytest.raises(ValueError, match="new_name"):
        await cloud.device_groups.update(product, "group_a")


@pytest.mark.parametrize("product", PRODUCTS)
async def test_groups_assign_and_batch(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    one = router.put(f"/v1/products/{product}/devices/{DEVICE}").respond(
        json={"id": DEVICE, "groups": ["europe", "asia"], "updated_at": "2017-03-10T20:21:49Z"}
    )
    batch = router.put(f"/v1/products/{product}/devices").respond(json={"ok": True})
    result = await cloud.device_groups.assign(product, DEVICE, ["europe", "asia"])
    assert body_of(one) == {"groups": ["europe", "asia"]}
    assert result.groups == ("europe", "asia")
    assert await cloud.device_groups.batch_update(
        product, ["d1", "d2"], add=["foo"], remove=["bar"]
    )
    assert body_of(batch) == {
        "action": "groups",
        "devices": ["d1", "d2"],
        "metadata": {"add": ["foo"], "remove": ["bar"]},
    }
    await cloud.device_groups.batch_update(product, ["d1"], add=["foo"])
    assert body_of(batch)["metadata"] == {"add": ["foo"]}
    with pytest.raises(ValueError, match="add= or remove="):
        await cloud.device_groups.batch_update(product, ["d1"])


@pytest.mark.parametrize(
    "answer",
    [
        {
            "devices": {
                "firmware_update": {"total": 123, "by_version": [{"version": 1, "total": 25}]}
            }
        },
        {"firmware_update": {"total": 123, "by_version": [{"version": 1, "total": 25}]}},
    ],
)
@pytest.mark.parametrize("product", PRODUCTS)
async def test_groups_impact(
    cloud: Particle, router: respx.Router, product: int | str, answer: dict[str, Any]
) -> None:
    route = router.get(f"/v1/products/{product}/impact").respond(json=answer)
    impact = await cloud.device_groups.impact(
        product, 3, groups=["asia", "europe"], product_default=False
    )
    assert query_of(route) == {
        "action": "edit_groups_for_firmware",
        "firmware_version": "3",
        "groups": "asia,europe",
        "product_default": "false",
    }
    assert isinstance(impact, GroupImpact)
    assert (impact.total, impact.by_version) == (123, {1: 25})
