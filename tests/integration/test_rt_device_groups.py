"""Round trips through the SDK against the fake cloud: device groups and release impact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud

from ..helpers import FakeClock, sdk
from .worlds import fleet
from .worlds.fleet import THEIRS, new_product

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products and devices."""
    with fleet.cloud() as cloud:
        yield cloud


async def test_device_groups_round_trip(fake: FakeCloud) -> None:
    product = new_product(fake)
    devices = [fake.add_device(f"grouped-{i}", product_id=product.id) for i in range(4)]
    async with sdk(fake, clock=FakeClock()) as cloud:
        cloud_groups = cloud.device_groups
        made = await cloud_groups.create(product.id, "europe", color="#0000ff", description="EU")
        assert (made.name, made.color, made.description, made.device_count) == (
            "europe",
            "#0000ff",
            "EU",
            0,
        )
        await cloud_groups.create(product.slug, "asia")
        with pytest.raises(BadRequestError):
            await cloud_groups.create(product.id, "asia")  # taken
        with pytest.raises(BadRequestError):
            await cloud_groups.create(product.id, "Not Valid")

        # Assigning a device to an unknown group creates the group.
        assigned = await cloud_groups.assign(product.id, devices[0].id, ["europe", "beta"])
        assert assigned.groups == ("europe", "beta")
        assert await cloud_groups.batch_update(
            product.id, [d.id for d in devices[1:3]], add=["asia", "europe"]
        )
        assert await cloud_groups.batch_update(product.id, [devices[2].id], remove=["europe"])
        assert [d.groups for d in devices] == [["europe", "beta"], ["asia", "europe"], ["asia"], []]

        groups = await cloud_groups.list(product.id)
        counts = {g.name: g.device_count for g in groups}
        assert counts == {"asia": 2, "beta": 1, "europe": 2}
        assert [g.name for g in await cloud_groups.list(product.id, name="eur")] == ["europe"]
        assert (await cloud_groups.get(product.slug, "beta")).device_count == 1
        listed = await cloud.products.devices.list(product.id, groups=["beta"])
        assert [d.id for d in listed.items] == [devices[0].id]
        assert "asia" in (await cloud.products.get(product.id)).groups

        renamed = await cloud_groups.update(product.id, "europe", new_name="eu", color="#00f")
        assert (renamed.name, renamed.color, renamed.description) == ("eu", "#00f", "EU")
        assert devices[1].groups == ["asia", "eu"]
        with pytest.raises(NotFoundError):
            await cloud_groups.get(product.id, "europe")
        assert await cloud_groups.delete(product.id, "asia")
        assert [d.groups for d in devices] == [["eu", "beta"], ["eu"], [], []]
        assert sorted(g.name for g in await cloud_groups.list(product.id)) == ["beta", "eu"]
        with pytest.raises(NotFoundError):
            await cloud_groups.delete(product.id, "asia")
        with pytest.raises(ForbiddenError):
            await cloud_groups.list(THEIRS)
        with pytest.raises(NotFoundError):
            await cloud_groups.list("no-such-product")


async def test_group_release_impact(fake: FakeCloud) -> None:
    product = new_product(fake)
    fake.add_device("eu-1", product_id=product.id, groups=["eu"])
    fake.add_device("eu-dev", product_id=product.id, groups=["eu"], development=True)
    fake.add_device("eu-locked", product_id=product.id, groups=["eu"], desired_firmware_version=2)
    fake.add_device("eu-current", product_id=product.id, groups=["eu"], firmware_version=3)
    fake.add_device("us-1", product_id=product.id, groups=["us"])
    async with sdk(fake, clock=FakeClock()) as cloud:
        impact = await cloud.device_groups.impact(product.id, 3, groups=["eu"])
        assert (impact.total, impact.by_version) == (1, {3: 1})
        everyone = await cloud.device_groups.impact(product.id, 3, product_default=True)
        assert everyone.total == 2
        assert (await cloud.device_groups.impact(product.id, 3)).total == 0
        with pytest.raises(BadRequestError):
            await cloud.device_groups.impact(product.id, 3, action="something_else")
