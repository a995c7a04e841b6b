"""Round trips through the SDK against the fake cloud: SIM cards (own and product SIMs,
paging, activation, release, import, data usage, the cellular status task)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError, PollTimeoutError
from particle_async.testing import FakeCloud, FakeProduct

from ..helpers import FakeClock, sdk
from .worlds import sims_usage
from .worlds.sims_usage import CELLULAR, OTHER, THEIRS, _numbers

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products, devices and SIMs."""
    with sims_usage.cloud() as cloud:
        yield cloud


def new_product(fake: FakeCloud) -> FakeProduct:
    number = next(_numbers)
    return fake.add_product(number, f"sims-{number}", platform_id=CELLULAR)


def new_iccid() -> str:
    return f"89340765{next(_numbers):011d}"


async def test_own_sims_round_trip(fake: FakeCloud) -> None:
    boron = fake.add_device("boron", platform_id=CELLULAR)
    assert boron.iccid is not None
    iccid = boron.iccid
    async with sdk(fake, clock=FakeClock()) as cloud:
        mine = await cloud.sims.list()
        assert iccid in [s.iccid for s in mine.items]
        assert mine.is_last
        sim = await cloud.sims.get(iccid)
        assert (sim.status, sim.owner, sim.last_device_id) == (
            "active",
            fake.user.username,
            boron.id,
        )
        assert sim.activations_count == 1
        assert sim.first_activated_on is not None
        assert await cloud.sims.check(iccid)
        assert [s.iccid async for s in cloud.sims.iter()] == [s.iccid for s in mine.items]

        usage = await cloud.sims.data_usage(iccid)
        assert usage.iccid == iccid
        assert usage.usage_by_day[-1].day == datetime.now(timezone.utc).date()
        assert usage.total_mbs == pytest.approx(sum(d.mbs_used for d in usage.usage_by_day))

        assert await cloud.sims.deactivate(iccid)
        assert (await cloud.sims.get(iccid)).status == "inactive"
        with pytest.raises(BadRequestError):
            await cloud.sims.deactivate(iccid)
        assert await cloud.sims.reactivate(iccid)
        again = await cloud.sims.get(iccid)
        assert (again.status, again.activations_count, again.deactivations_count) == (
            "active",
            2,
            1,
        )
        assert again.last_status_change_action == "reactivate"

        # Activating a new ICCID adds it to the account.
        fresh = new_iccid()
        assert await cloud.sims.activate(fresh)
        assert (await cloud.sims.get(fresh)).is_active
        with pytest.raises(BadRequestError):
            await cloud.sims.activate(fresh)

        assert (await cloud.sims.remove(fresh)).pending  # active: deactivation pending (202)
        await cloud.sims.deactivate(iccid)
        assert not (await cloud.sims.remove(iccid)).pending  # inactive: released (204)
        assert {fresh, iccid}.isdisjoint(s.iccid for s in (await cloud.sims.list()).items)
        with pytest.raises(NotFoundError):
            await cloud.sims.get(iccid)
        with pytest.raises(NotFoundError):
            await cloud.sims.check(iccid)


async def test_sim_errors(fake: FakeCloud) -> None:
    theirs = fake.add_device("their-boron", platform_id=CELLULAR, owner=OTHER[0])
    assert theirs.iccid is not None
    async with sdk(fake, clock=FakeClock()) as cloud:
        with pytest.raises(ForbiddenError):
            await cloud.sims.get(theirs.iccid)
        with pytest.raises(ForbiddenError):
            await cloud.sims.activate(theirs.iccid)
        with pytest.raises(ForbiddenError):
            await cloud.sims.list(product=THEIRS)
        with pytest.raises(NotFoundError):
            await cloud.sims.get(new_iccid())
        with pytest.raises(NotFoundError):
            await cloud.sims.activate("not-an-iccid")
        with pytest.raises(NotFoundError):
            await cloud.sims.list(product="no-such-product")
        with pytest.raises(ValueError, match="product="):
            await cloud.sims.list(per_page=2)  # the SDK refuses: own SIMs are not paged


async def test_product_sims_paging_filters_and_actions(fake: FakeCloud) -> None:
    product = new_product(fake)
    fleet = [
        fake.add_device(f"sim-dev-{product.id}-{i}", product_id=product.id, platform_id=CELLULAR)
        for i in range(5)
    ]
    iccids = [d.iccid or "" for d in fleet]
    async with sdk(fake, clock=FakeClock()) as cloud:
        first = await cloud.sims.list(product=product.id, per_page=2)
        assert (len(first.items), first.total_pages, first.is_last) == (2, 3, False)
        walked = [s.iccid async for s in cloud.sims.iter(product=product.slug, per_page=2)]
        assert sorted(walked) == sorted(iccids)
        by_iccid = await cloud.sims.list(product=product.id, iccid=iccids[3][-8:])
        assert [s.iccid for s in by_iccid.items] == [iccids[3]]
        by_name = await cloud.sims.list(product=product.id, device_name=f"dev-{product.id}-4")
        assert [s.last_device_name for s in by_name.items] == [fleet[4].name]
        by_device = await cloud.sims.list(product=product.id, device_id=fleet[2].id)
        assert [s.iccid for s in by_device.items] == [iccids[2]]

        sim = await cloud.sims.get(iccids[0], product=product.id)
        assert (sim.product_id, sim.owner) == (product.id, None)
        assert await cloud.sims.get(iccids[0])  # team members reach product SIMs directly
        with pytest.raises(BadRequestError):
            await cloud.sims.activate(iccids[0])  # product SIMs are activated by import
        assert await cloud.sims.deactivate(iccids[0], product=product.id)
        assert await cloud.sims.reactivate(iccids[0], product=product.slug)
        usage = await cloud.sims.data_usage(iccids[0], product=product.id)
        assert usage.usage_by_day

        fleet_usage = await cloud.sims.fleet_data_usage(product.id)
        assert fleet_usage.total_active_sim_cards == 5
        assert fleet_usage.total_mbs_used == pytest.approx(5 * usage.total_mbs)
        assert fleet_usage.usage_by_day[-1].mbs_used_cumulative == pytest.approx(
            fleet_usage.total_mbs_used
        )

        await cloud.sims.deactivate(iccids[4], product=product.id)
        assert not (await cloud.sims.remove(iccids[4], product=product.id)).pending
        assert (await cloud.sims.list(product=product.id)).total_pages == 1
        with pytest.raises(NotFoundError):  # not a SIM of that product
            await cloud.sims.get(iccids[1], product=new_product(fake).id)


async def test_import_product_sims(fake: FakeCloud) -> None:
    product = new_product(fake)
    loose = fake.add_device(f"loose-{product.id}", platform_id=CELLULAR, claimed=False)
    theirs = fake.add_device(f"theirs-{product.id}", platform_id=CELLULAR, owner=OTHER[0])
    listed, in_file = new_iccid(), new_iccid()
    async with sdk(fake, clock=FakeClock()) as cloud:
        assert loose.iccid is not None
        assert theirs.iccid is not None
        ok = await cloud.sims.import_sims(product.id, iccids=[listed, loose.iccid, theirs.iccid])
        assert ok
        assert await cloud.sims.import_sims(product.slug, file=f"{in_file}\n".encode())
        found = {s.iccid: s for s in await cloud.sims.iter(product=product.id).collect()}
        assert set(found) == {listed, loose.iccid, in_file}  # another user's SIM is skipped
        assert all(s.is_active for s in found.values())
        assert loose.product_id == product.id  # its device came along
        assert theirs.product_id is None
        with pytest.raises(BadRequestError):
            await cloud.sims.import_sims(product.id, iccids=["bogus"])
        with pytest.raises(ForbiddenError):
            await cloud.sims.import_sims(THEIRS, iccids=[new_iccid()])


async def test_sim_status_is_a_polled_task(fake: FakeCloud) -> None:
    product = new_product(fake)
    online = fake.add_device(f"online-{product.id}", product_id=product.id, platform_id=CELLULAR)
    offline = fake.add_device(f"offline-{product.id}", platform_id=CELLULAR, online=False)
    assert online.iccid is not None
    assert offline.iccid is not None
    clock = FakeClock()
    async with sdk(fake, clock=clock) as cloud:
        pending = await cloud.sims.status(online.iccid, product=product.id)
        assert (pending.state, pending.is_complete, pending.connected) == ("pending", False, None)
        assert pending.task_id
        assert pending.check_again_after is not None
        assert pending.expires_at is not None
        done = await cloud.sims.wait_for_status(online.iccid, product=product.id)
        assert (done.state, done.connected, done.gsm_connection) == ("complete", True, True)
        assert done.task_id == pending.task_id
        assert clock.sleeps == []  # the task was already due: the second read completed it

        result = await cloud.sims.wait_for_status(offline.iccid, min_interval=2.0)
        assert (result.connected, result.gsm_connection, result.data_connection) == (
            False,
            True,
            False,
        )
        assert clock.sleeps == [2.0]  # pending once, honouring check_again_after (>= 2 s)
        fresh = fake.add_device(f"fresh-{product.id}", platform_id=CELLULAR)
        assert fresh.iccid is not None
        with pytest.raises(PollTimeoutError):
            await cloud.sims.wait_for_status(fresh.iccid, attempts=1)
        with pytest.raises(NotFoundError):
            await cloud.sims.status(new_iccid())
