"""Round trips through the SDK against the fake cloud: product devices (import by IDs and
by file, quarantine, owner, development, firmware lock), provisioning, claim codes,
serial numbers, search, device groups, remote diagnostics and fleet-health metrics."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from particle_async import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    Particle,
    PollTimeoutError,
)
from particle_async.testing import FakeCloud, FakeProduct

from ..helpers import FakeClock

pytestmark = pytest.mark.anyio

OTHER = "other@example.com"
THEIRS = 9000  # a product of OTHER's
_product_ids = itertools.count(1000)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products and devices."""
    with FakeCloud(rate_limit=None) as cloud:
        other = cloud.add_user(OTHER, "secret")
        cloud.add_product(THEIRS, "theirs", members=[other])
        yield cloud


def sdk(fake: FakeCloud, clock: FakeClock | None = None) -> Particle:
    return Particle(
        token=fake.token, base_url=fake.base_url, rate_limiter=None, clock=clock or FakeClock()
    )


def new_product(fake: FakeCloud, platform_id: int = 6) -> FakeProduct:
    number = next(_product_ids)
    return fake.add_product(number, f"fleet-{number}", platform_id=platform_id)


def hex_id() -> str:
    return f"{next(_product_ids):024x}"


# === product devices =====================================================================


async def test_import_devices_by_ids_and_by_file(fake: FakeCloud) -> None:
    product = new_product(fake)
    mine = fake.add_device("mine")
    elsewhere = fake.add_device("elsewhere", product_id=new_product(fake).id)
    cellular = fake.add_device("cell", platform_id=13)  # not the product's platform
    fresh = hex_id()
    async with sdk(fake) as cloud:
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
    async with sdk(fake) as cloud:
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
    async with sdk(fake) as cloud:
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
    async with sdk(fake) as cloud:
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


# === provisioning, claim codes, serial numbers, search ===================================


async def test_provisioning_shares_its_route_with_claiming(fake: FakeCloud) -> None:
    product = new_product(fake, platform_id=12)
    loose = fake.add_device("loose", claimed=False)
    async with sdk(fake) as cloud:
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
    async with sdk(fake) as cloud:
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
    async with sdk(fake) as cloud:
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
    async with sdk(fake) as cloud:
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


# === device groups =======================================================================


async def test_device_groups_round_trip(fake: FakeCloud) -> None:
    product = new_product(fake)
    devices = [fake.add_device(f"grouped-{i}", product_id=product.id) for i in range(4)]
    async with sdk(fake) as cloud:
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
    async with sdk(fake) as cloud:
        impact = await cloud.device_groups.impact(product.id, 3, groups=["eu"])
        assert (impact.total, impact.by_version) == (1, {3: 1})
        everyone = await cloud.device_groups.impact(product.id, 3, product_default=True)
        assert everyone.total == 2
        assert (await cloud.device_groups.impact(product.id, 3)).total == 0
        with pytest.raises(BadRequestError):
            await cloud.device_groups.impact(product.id, 3, action="something_else")


# === diagnostics =========================================================================


async def test_refresh_then_last_and_history(fake: FakeCloud) -> None:
    device = fake.add_device("vital")
    async with sdk(fake) as cloud:
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
    async with sdk(fake, clock) as cloud:
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
    async with sdk(fake, clock) as cloud:
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
    async with sdk(fake) as cloud:
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
