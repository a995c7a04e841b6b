"""Round trips through the SDK against the fake cloud: billing usage (service agreements,
usage reports, usage notifications)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud

from ..helpers import FakeClock, sdk
from .worlds import sims_usage
from .worlds.sims_usage import CELLULAR, OTHER, _numbers

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    """One cloud for the module: each test makes its own products, devices and SIMs."""
    with sims_usage.cloud() as cloud:
        yield cloud


async def test_service_agreement_and_usage_report(fake: FakeCloud) -> None:
    user = fake.add_user(f"billing-{next(_numbers)}@example.com", "pw")
    fake.add_device(owner=user)
    fake.add_device(owner=user, platform_id=CELLULAR)
    clock = FakeClock()
    async with sdk(fake, user.token, clock=clock) as cloud:
        (plan,) = await cloud.usage.service_agreements()
        assert (plan.kind, plan.name, plan.owner_id) == ("service_agreement", "Sandbox", user.id)
        assert (plan.owner_type, plan.state, plan.duration) == ("individual", "active", "monthly")
        assert plan.current_billing_period_start == datetime.now(timezone.utc).date().replace(day=1)
        connectivity = plan.current_usage_summary["connectivity"]
        assert connectivity["all"]["owned_devices"] == 2
        assert connectivity["cellular"]["owned_devices"] == 1
        assert not plan.device_limit_reached
        assert plan.id is not None

        report = await cloud.usage.create_report(
            plan.id, "devices", date(2024, 1, 1), "2024-01-31", devices=["d1", "d2"]
        )
        assert (report.kind, report.state, report.report_type) == (
            "usage_report",
            "pending",
            "devices",
        )
        assert report.is_pending
        assert report.date_period_end == date(2024, 1, 31)
        assert report.report_params["devices"] == ["d1", "d2"]
        assert report.id is not None
        first = await cloud.usage.get_report(report.id)
        assert (first.state, first.download_url) == ("pending", None)
        ready = await cloud.usage.get_report(report.id)
        assert ready.is_available
        assert ready.download_url is not None
        csv = (await cloud.files.download(ready.download_url)).decode()
        assert csv.splitlines()[0] == "device_id,device_name,product_id,platform_id"
        assert len(csv.splitlines()) == 3

        another = await cloud.usage.create_report(plan.id, "products", "2024-02-01", "2024-02-29")
        assert another.id is not None
        waited = await cloud.usage.wait_for_report(another.id, interval=7)
        assert waited.is_available
        assert clock.sleeps == [7]

        with pytest.raises(BadRequestError):
            await cloud.usage.create_report(plan.id, "sims", "2024-01-01", "2024-01-31")  # type: ignore[arg-type]
        with pytest.raises(BadRequestError):
            await cloud.usage.create_report(plan.id, "devices", "2024-02-01", "2024-01-01")
        with pytest.raises(NotFoundError):
            await cloud.usage.create_report("999", "devices", "2024-01-01", "2024-01-31")
    async with sdk(fake, clock=FakeClock()) as someone_else:
        with pytest.raises(NotFoundError):  # not their report
            await someone_else.usage.get_report(report.id)


async def test_usage_notifications_follow_the_device_count(fake: FakeCloud) -> None:
    user = fake.add_user(f"busy-{next(_numbers)}@example.com", "pw")
    async with sdk(fake, token=user.token, clock=FakeClock()) as cloud:
        (plan,) = await cloud.usage.service_agreements()
        assert plan.id is not None
        assert await cloud.usage.notifications(plan.id) == []
        for _ in range(70):
            fake.add_device(owner=user)
        (notice,) = await cloud.usage.notifications(plan.id)
        assert (notice.kind, notice.resource_id, notice.resource_type) == (
            "notification",
            plan.id,
            "ServiceAgreement",
        )
        assert notice.details["owned_devices"] == 70
        assert notice.event_name is not None
        assert notice.event_name.endswith(":70")
        for _ in range(30):
            fake.add_device(owner=user)
        notices = await cloud.usage.notifications(plan.id)
        assert [n.details["event_type"] for n in notices] == [
            "devices_70_percent",
            "devices_90_percent",
            "devices_100_percent",
        ]
        assert notices[0].id == notice.id
        (plan,) = await cloud.usage.service_agreements()
        assert plan.device_limit_reached
        with pytest.raises(NotFoundError):
            await cloud.usage.notifications("12345")


async def test_organization_usage(fake: FakeCloud) -> None:
    slug = f"billing-org-{next(_numbers)}"
    fake.add_org(slug)
    fake.add_product(next(_numbers), f"{slug}-product", org=slug)
    fake.add_org(f"{slug}-theirs", members=[OTHER[0]])
    async with sdk(fake, clock=FakeClock()) as cloud:
        (plan,) = await cloud.usage.service_agreements(org=slug)
        assert (plan.owner_type, plan.agreement_type, plan.name) == (
            "organization",
            "enterprise",
            "Enterprise Plan",
        )
        (mine,) = await cloud.usage.service_agreements()
        assert plan.id != mine.id
        assert plan.id is not None
        report = await cloud.usage.create_report(
            plan.id, "products", "2024-01-01", "2024-01-31", products=[1, 2], org=slug
        )
        assert report.id is not None
        assert report.report_params["products"] == [1, 2]
        assert (await cloud.usage.wait_for_report(report.id, org=slug)).is_available
        assert await cloud.usage.notifications(plan.id, org=slug) == []
        with pytest.raises(NotFoundError):  # an org report is not the user's
            await cloud.usage.get_report(report.id)
        with pytest.raises(ForbiddenError):
            await cloud.usage.service_agreements(org=f"{slug}-theirs")
        with pytest.raises(NotFoundError):
            await cloud.usage.service_agreements(org="no-such-org")
