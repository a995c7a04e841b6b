"""Round trips through the SDK against the fake cloud: provisioning, claim codes, serial
numbers and search; and on the `fake_cloud` fixture with default options, variables,
functions, errors, claiming and removing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import (
    NOT_GIVEN,
    BadRequestError,
    DeviceOfflineError,
    ForbiddenError,
    NotFoundError,
)
from particle_async.testing import FakeCloud

from ..helpers import FakeClock, device, sdk
from .worlds import fleet
from .worlds.fleet import OTHER, THEIRS, _product_ids, new_product

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products and devices."""
    with fleet.cloud() as cloud:
        yield cloud


async def test_provisioning_shares_its_route_with_claiming(fake: FakeCloud) -> None:
    product = new_product(fake, platform_id=12)
    loose = fake.add_device("loose", claimed=False)
    async with sdk(fake, clock=FakeClock()) as cloud:
        made = await cloud.devices.provision(product.slug)
        assert (made.product_id, made.platform_id, made.owner) == (product.id, 12, None)
        assert fake.device(made.id).product_id == product.id
        claimed = await cloud.devices.claim(loose.id)  # the same POST /v1/devices
        assert claimed.ok
        assert loose.owner == fake.user.username
        with pytest.raises(ForbiddenError):
            await cloud.devices.provision(THEIRS)
        with pytest.raises(NotFoundError):
            await cloud.devices.provision(987654)


async def test_claim_codes(fake: FakeCloud) -> None:
    product = new_product(fake)
    mine = fake.add_device("coded")
    async with sdk(fake, clock=FakeClock()) as cloud:
        code = await cloud.devices.create_claim_code()
        assert len(code.claim_code) >= 40
        assert mine.id in code.device_ids
        assert (await cloud.devices.create_claim_code(iccid="8934076500002589174")).claim_code == (
            "8934076500002589174"
        )
        assert (await cloud.devices.create_claim_code(imei="352753090000000")).claim_code == (
            "352753090000000"
        )
        by_product = await cloud.devices.create_claim_code(product=product.slug)
        assert by_product.claim_code != code.claim_code
        with pytest.raises(NotFoundError):
            await cloud.devices.create_claim_code(product="no-such-product")


async def test_serial_number_lookup(fake: FakeCloud) -> None:
    wifi = fake.add_device("wifi")
    cell = fake.add_device("cellular", platform_id=13)
    theirs = fake.add_device("theirs", owner=OTHER)
    fresh = fake.add_device("fresh", claimed=False)
    async with sdk(fake, clock=FakeClock()) as cloud:
        found = await cloud.devices.lookup_serial_number(wifi.serial_number)
        assert (found.ok, found.device_id, found.iccid) == (True, wifi.id, None)
        found = await cloud.devices.lookup_serial_number(cell.serial_number.lower())
        assert (found.device_id, found.iccid) == (cell.id, cell.iccid)
        assert (await cloud.devices.lookup_serial_number(fresh.serial_number)).device_id == fresh.id
        with pytest.raises(NotFoundError):
            await cloud.devices.lookup_serial_number("P000NOSUCHSERIAL")
        with pytest.raises(ForbiddenError):
            await cloud.devices.lookup_serial_number(theirs.serial_number)


async def test_search(fake: FakeCloud) -> None:
    product = new_product(fake)
    tag = f"needle{product.id}"  # the module's cloud is shared: names must be unique
    org = fake.add_org(f"org-{tag}")
    org_product = fake.add_product(next(_product_ids), f"org-product-{tag}", org=org.slug)
    for i in range(12):
        fake.add_device(f"{tag}-{i}", product_id=product.id if i % 2 else None)
    fake.add_device(f"{tag}-theirs", owner=OTHER)
    fake.add_device(f"{tag}-in-org", claimed=False, product_id=org_product.id)
    async with sdk(fake, clock=FakeClock()) as cloud:
        found = await cloud.devices.search(tag.upper(), type="device")
        assert len(found.results) == 10
        assert found.has_more
        assert {r["type"] for r in found.results} == {"device"}
        assert all(r["name"].startswith(tag) for r in found.results)
        assert f"{tag}-theirs" not in {r["name"] for r in found.results}

        exact = await cloud.devices.search(f"{tag}-11")
        assert [(r["type"], r["name"]) for r in exact.results] == [("device", f"{tag}-11")]
        assert not exact.has_more
        products = await cloud.devices.search(product.slug, type="product")
        assert [(r["type"], r["id"]) for r in products.results] == [("product", product.id)]

        in_org = await cloud.devices.search(tag, type="device", org=org.slug)
        assert [r["name"] for r in in_org.results] == [f"{tag}-in-org"]
        with pytest.raises(BadRequestError):
            await cloud.devices.search("")
        with pytest.raises(NotFoundError):
            await cloud.devices.search(tag, org="no-such-org")


async def test_device_calls(fake_cloud: FakeCloud) -> None:
    alpha = device(fake_cloud, "alpha")
    async with sdk(fake_cloud, rate_limiter=NOT_GIVEN) as cloud:
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
    async with sdk(fake_cloud, rate_limiter=NOT_GIVEN) as cloud:
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
    async with sdk(fake_cloud, rate_limiter=NOT_GIVEN) as cloud:
        claimed = await cloud.devices.claim(loose.id)
        assert claimed.ok
        assert "loose" in [d.name for d in await cloud.devices.list()]
        assert await cloud.devices.remove(loose.id)
        assert "loose" not in [d.name for d in await cloud.devices.list()]
