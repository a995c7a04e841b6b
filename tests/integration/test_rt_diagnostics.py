"""Round trips through the SDK against the fake cloud: remote diagnostics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError, PollTimeoutError
from particle_async.testing import FakeCloud

from ..helpers import FakeClock, sdk
from .worlds import fleet
from .worlds.fleet import OTHER, hex_id, new_product

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products and devices."""
    with fleet.cloud() as cloud:
        yield cloud


async def test_refresh_then_last_and_history(fake: FakeCloud) -> None:
    device = fake.add_device("vital")
    async with sdk(fake, clock=FakeClock()) as cloud:
        with pytest.raises(NotFoundError):
            await cloud.diagnostics.last(device.id)
        assert (await cloud.diagnostics.refresh(device.id)).ok
        with pytest.raises(NotFoundError):  # the device has not answered yet
            await cloud.diagnostics.last(device.id)
        record = await cloud.diagnostics.last(device.id)
        assert record.device_id == device.id
        assert record.vital("device.system.uptime") == 3660
        assert record.vital("device.network.signal.at") == "Wi-Fi"
        assert record.updated_at is not None
        event = fake.published[-1]
        assert (event.name, event.coreid) == ("spark/device/diagnostics/update", device.id)
        assert json.loads(event.data) == dict(record.payload)

        await cloud.diagnostics.refresh(device.id)
        history = await cloud.diagnostics.history(device.id)  # this read is the 1st
        assert len(history) == 1
        history = await cloud.diagnostics.history(device.id)
        assert [r.vital("device.system.uptime") for r in history] == [3660, 3720]
        later = await cloud.diagnostics.history(device.id, start_date=history[1].updated_at)
        assert len(later) == 1
        earlier = await cloud.diagnostics.history(device.id, end_date=history[1].updated_at)
        assert len(earlier) == 1
        csv = await cloud.diagnostics.history_csv(device.id)
        header, *rows = csv.splitlines()
        assert header.startswith("deviceID,updated_at,")
        assert "device.system.uptime" in header.split(",")
        assert len(rows) == 2
        with pytest.raises(BadRequestError) as bad:
            await cloud.diagnostics.history(device.id, start_date="yesterday")
        assert "ISO8601" in str(bad.value)
        with pytest.raises(BadRequestError):
            old = datetime.now(timezone.utc) - timedelta(days=40)
            await cloud.diagnostics.history(device.id, start_date=old)


async def test_refresh_and_wait_polls_on_the_clients_clock(fake: FakeCloud) -> None:
    product = new_product(fake, platform_id=13)
    device = fake.add_device("tracker", product_id=product.id, platform_id=13)
    clock = FakeClock()
    async with sdk(fake, clock=clock) as cloud:
        first = await cloud.diagnostics.refresh_and_wait(device.id, product=product.id, interval=3)
        assert clock.sleeps == [3]  # "not yet" once, then the vitals
        assert first.vital("device.network.signal.at") == "LTE Cat-M1"
        assert first.vital("device.power.battery.charge") == 87.5
        second = await cloud.diagnostics.refresh_and_wait(device.id, product=product.slug)
        assert second.updated_at is not None
        assert first.updated_at is not None
        assert second.updated_at > first.updated_at
        assert clock.sleeps == [3, 2.0]
        waited = await cloud.diagnostics.wait_for_vitals(device.id, product=product.id)
        assert waited.updated_at == second.updated_at  # any record will do: no sleep
        assert clock.sleeps == [3, 2.0]


async def test_an_offline_device_never_answers(fake: FakeCloud) -> None:
    device = fake.add_device("sleepy", online=False)
    theirs = fake.add_device("their-vitals", owner=OTHER)
    clock = FakeClock()
    async with sdk(fake, clock=clock) as cloud:
        assert (await cloud.diagnostics.refresh(device.id)).ok
        with pytest.raises(PollTimeoutError):
            await cloud.diagnostics.wait_for_vitals(device.id, interval=1.5, attempts=4)
        assert clock.sleeps == [1.5, 1.5, 1.5]
        with pytest.raises(ForbiddenError):
            await cloud.diagnostics.refresh(theirs.id)
        with pytest.raises(NotFoundError):
            await cloud.diagnostics.refresh(hex_id())
        with pytest.raises(NotFoundError):  # a device outside the product
            await cloud.diagnostics.last(device.id, product=new_product(fake).id)
