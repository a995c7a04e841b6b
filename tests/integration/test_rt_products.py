"""Round trips through the SDK against the fake cloud: product devices (import by IDs and
by file, quarantine, owner, development, firmware lock) and fleet-health metrics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud

from ..helpers import FakeClock, sdk
from .worlds import fleet
from .worlds.fleet import THEIRS, hex_id, new_product

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products and devices."""
    with fleet.cloud() as cloud:
        yield cloud


# === product devices =====================================================================


async def test_import_devices_by_ids_and_by_file(fake: FakeCloud) -> None:
    product = new_product(fake)
    mine = fake.add_device("mine")
    elsewhere = fake.add_device("elsewhere", product_id=new_product(fake).id)
    cellular = fake.add_device("cell", platform_id=13)  # not the product's platform
    fresh = hex_id()
    async with sdk(fake, clock=FakeClock()) as cloud:
        result = await cloud.products.devices.import_devices(
            product.id, ids=[mine.id, fresh, elsewhere.id, cellular.id, "not-an-id"]
        )
        assert result.updated == 2
        assert result.nonmember_device_ids == (elsewhere.id,)
        assert set(result.invalid_device_ids) == {cellular.id, "not-an-id"}
        created = fake.device(fresh)
        assert (created.product_id, created.owner, created.online) == (product.id, None, False)
        assert mine.product_id == product.id

        # A multipart .txt file may list IDs and serial numbers; claim_user claims them.
        by_serial = fake.add_device("by-serial", claimed=False)
        another = hex_id()
        progress: list[tuple[int, int]] = []
        lines = f"{by_serial.serial_number}\n{another}\n\n"
        result = await cloud.products.devices.import_devices(
            product.slug,
            file=lines.encode(),
            claim_user=fake.user.username,
            progress=lambda sent, total: progress.append((sent, total)),
        )
        assert (result.updated, result.invalid_device_ids) == (2, ())
        assert by_serial.product_id == product.id
        assert by_serial.owner == fake.user.username
        assert progress[-1][0] == progress[-1][1] > 0

        single = await cloud.products.devices.add(product.id, hex_id())
        assert single.updated == 1
        pages = [p async for p in cloud.products.devices.iter(product.id, per_page=2).pages()]
        assert [len(p.items) for p in pages] == [2, 2, 1]
        listed = {d.id for page in pages for d in page.items}
        assert listed == {d.id for d in fake.devices if d.product_id == product.id}
        assert len(listed) == 5


async def test_quarantined_devices_are_approved_or_denied(fake: FakeCloud) -> None:
    product = new_product(fake)
    waiting = fake.add_device("waiting", product_id=product.id, quarantined=True)
    doomed = fake.add_device("doomed", product_id=product.id, quarantined=True)
    fake.add_device("approved-already", product_id=product.id)
    async with sdk(fake, clock=FakeClock()) as cloud:
        held = await cloud.products.devices.list(product.id, quarantined=True)
        assert sorted(d.name or "" for d in held.items) == ["doomed", "waiting"]
        assert all(d.quarantined for d in held.items)

        approval = await cloud.products.devices.approve(product.id, waiting.id)
        assert approval.updated == 1
        assert not waiting.quarantined
        assert await cloud.products.devices.deny(product.id, doomed.id)
        assert doomed.denied
        assert doomed.product_id is None
        held = await cloud.products.devices.list(product.id, quarantined=True)
        assert held.items == []


async def test_product_device_update_development_and_firmware_lock(fake: FakeCloud) -> None:
    product = new_product(fake)
    device = fake.add_device("tracked", product_id=product.id)
    async with sdk(fake, clock=FakeClock()) as cloud:
        renamed = await cloud.products.devices.update(
            product.slug, device.id, name="tracked-2", notes="rack 4"
        )
        assert (renamed.name, renamed.notes) == ("tracked-2", "rack 4")
        marked = await cloud.products.devices.mark_development(product.id, device.id)
        assert marked.development is True
        assert (await cloud.products.devices.get(product.id, device.id)).development
        await cloud.products.devices.mark_development(product.id, device.id, False)
        assert not device.development

        locked = await cloud.products.devices.lock_firmware(product.id, device.id, 3, flash=True)
        assert locked.desired_firmware_version == 3
        fetched = await cloud.products.devices.get(product.id, device.id)
        assert fetched.desired_firmware_version == 3
        await cloud.products.devices.unlock_firmware(product.id, device.id)
        assert device.desired_firmware_version is None

        assert await cloud.products.devices.remove_owner(product.id, device.id)
        assert (device.owner, device.product_id) == (None, product.id)
        assert await cloud.products.devices.remove(product.id, device.id)
        assert device.product_id is None
        with pytest.raises(NotFoundError):
            await cloud.products.devices.get(product.id, device.id)


async def test_product_device_errors(fake: FakeCloud) -> None:
    product = new_product(fake)
    async with sdk(fake, clock=FakeClock()) as cloud:
        with pytest.raises(NotFoundError):
            await cloud.products.devices.get(product.id, hex_id())
        with pytest.raises(NotFoundError):
            await cloud.products.devices.import_devices("no-such-product", ids=[hex_id()])
        with pytest.raises(ForbiddenError):
            await cloud.products.devices.import_devices(THEIRS, ids=[hex_id()])
        with pytest.raises(ForbiddenError):
            await cloud.products.devices.list(THEIRS)
        with pytest.raises(BadRequestError):
            await cloud.products.devices.import_devices(product.id, file=b"x", claim_user="nobody")


# === fleet health metrics ================================================================


async def test_fleet_health_metrics(fake: FakeCloud) -> None:
    product = new_product(fake)
    online = fake.add_device("m-online", product_id=product.id, groups=["eu"])
    fake.add_device("m-offline", product_id=product.id, online=False)
    fake.add_device("m-v2", product_id=product.id, firmware_version=2)
    for _ in range(3):
        online.publish("reading", "1")
    now = datetime.now(timezone.utc)
    window = {"start_date": now - timedelta(hours=1), "end_date": now + timedelta(minutes=1)}
    async with sdk(fake, clock=FakeClock()) as cloud:
        series = await cloud.products.online_metrics(product.id, bucket_size=3600, **window)
        buckets = series.raw["online"]
        assert 1 <= len(buckets) <= 3
        assert {b["count"] for b in buckets} == {2}
        assert series.metric == "online"
        grouped = await cloud.products.online_metrics(product.slug, device_group="eu", **window)
        assert {b["count"] for b in grouped.raw["online"]} == {1}
        by_fw = await cloud.products.online_metrics(product.id, product_fw=2, **window)
        assert {b["count"] for b in by_fw.raw["online"]} == {1}

        events = await cloud.products.event_metrics(product.id, bucket_size=7200, **window)
        assert sum(b["received"] for b in events.raw["events"]) == 3
        integration = await cloud.products.integration_metrics(product.id, **window)
        functions = await cloud.products.function_metrics(product.id, **window)
        for answer, key in ((integration, "integrations"), (functions, "functions")):
            assert all(set(b) == {"time"} for b in answer.raw[key])  # zero counts omitted
        generic = await cloud.products.metrics(product.id, "events", start_date=now, end_date=now)
        assert generic.metric == "events"
        variables = await cloud.products.variable_metrics(product.id)
        assert len(variables.raw["variables"]) == 1  # start and end default to now
        with pytest.raises(BadRequestError):
            await cloud.products.online_metrics(product.id, bucket_size=10)
        with pytest.raises(BadRequestError):
            await cloud.products.online_metrics(product.id, start_date="soon")
        with pytest.raises(ForbiddenError):
            await cloud.products.online_metrics(THEIRS)
