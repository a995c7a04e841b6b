"""`cloud.usage`: service agreements, notifications and usage reports."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
import respx

from particle_async import Particle, PollTimeoutError
from particle_async._errors import ServerError
from particle_async.models.usage import ServiceAgreement, UsageNotification, UsageReport

from ..helpers import FakeClock, body_of

pytestmark = pytest.mark.anyio


def report(state: str, url: str | None = None) -> dict[str, Any]:
    return {
        "data": {
            "id": "1",
            "type": "usage_report",
            "attributes": {
                "state": state,
                "service_agreement_id": 1,
                "date_period_start": "2022-01-01",
                "date_period_end": "2022-01-31",
                "created_at": "2022-01-18 13:43:23 -0800",
                "report_type": "devices",
                "report_params": {"devices": ["device1"], "products": []},
                "download_url": url,
            },
        }
    }


@pytest.mark.parametrize(("org", "prefix"), [(None, "/v1/user"), ("acme", "/v1/orgs/acme")])
async def test_service_agreements_and_notifications(
    cloud: Particle, router: respx.Router, org: str | None, prefix: str
) -> None:
    agreements = router.get(f"{prefix}/service_agreements").respond(
        json={
            "data": [
                {
                    "id": "1",
                    "type": "service_agreement",
                    "attributes": {
                        "name": "Sandbox",
                        "agreement_type": "developer",
                        "state": "active",
                        "starts_on": "2021-04-08",
                        "ends_on": None,
                        "current_usage_summary": {"device_limit_reached": True},
                    },
                }
            ]
        }
    )
    notices = router.get(f"{prefix}/service_agreements/1/notifications").respond(
        json={
            "data": [
                {
                    "id": "fff25e4e",
                    "type": "notification",
                    "attributes": {
                        "state": "completed",
                        "event_name": "developer:usage_activity:automatic_unpause",
                        "resource_id": "59",
                        "details": {"event_type": "automatic_unpause"},
                    },
                }
            ]
        }
    )
    found = await cloud.usage.service_agreements(org=org)
    assert agreements.called
    assert isinstance(found[0], ServiceAgreement)
    assert (found[0].id, found[0].kind, found[0].name) == ("1", "service_agreement", "Sandbox")
    assert (found[0].starts_on, found[0].ends_on) == (date(2021, 4, 8), None)
    assert found[0].device_limit_reached
    assert found[0].raw["attributes"]["name"] == "Sandbox"
    listed = await cloud.usage.notifications(1, org=org)
    assert notices.called
    assert isinstance(listed[0], UsageNotification)
    assert listed[0].details == {"event_type": "automatic_unpause"}


@pytest.mark.parametrize(("org", "prefix"), [(None, "/v1/user"), ("acme", "/v1/orgs/acme")])
async def test_create_and_get_usage_report(
    cloud: Particle, router: respx.Router, org: str | None, prefix: str
) -> None:
    create = router.post(f"{prefix}/service_agreements/1/usage_reports").respond(
        202, json=report("pending")
    )
    get = router.get(f"{prefix}/usage_reports/1").respond(
        json=report("available", "https://x/r.csv")
    )
    created = await cloud.usage.create_report(
        1, "devices", date(2022, 1, 1), "2022-01-31", devices=["device1"], org=org
    )
    assert body_of(create) == {
        "report_type": "devices",
        "date_period_start": "2022-01-01",
        "date_period_end": "2022-01-31",
        "devices": ["device1"],
    }
    assert isinstance(created, UsageReport)
    assert (created.state, created.is_pending, created.download_url) == ("pending", True, None)
    assert created.created_at is not None
    fetched = await cloud.usage.get_report(1, org=org)
    assert get.called
    assert (fetched.is_available, fetched.download_url) == (True, "https://x/r.csv")


async def test_create_usage_report_is_never_resent(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/user/service_agreements/1/usage_reports").respond(503)
    with pytest.raises(ServerError):
        await cloud.usage.create_report(1, "products", "2022-01-01", "2022-01-31", products=[1234])
    assert route.call_count == 1


async def test_wait_for_report(cloud: Particle, router: respx.Router, clock: FakeClock) -> None:
    route = router.get("/v1/orgs/acme/usage_reports/1").mock(
        side_effect=[
            httpx.Response(200, json=report("pending")),
            httpx.Response(200, json=report("processing")),
            httpx.Response(200, json=report("available", "https://x/r.csv")),
        ]
    )
    done = await cloud.usage.wait_for_report(1, org="acme", interval=4.0)
    assert done.download_url == "https://x/r.csv"
    assert route.call_count == 3
    assert clock.sleeps == [4.0, 4.0]


async def test_wait_for_report_stops_on_failure_and_times_out(
    cloud: Particle, router: respx.Router, clock: FakeClock
) -> None:
    router.get("/v1/user/usage_reports/2").respond(json=report("failed"))
    failed = await cloud.usage.wait_for_report(2)
    assert (failed.state, failed.is_available) == ("failed", False)
    router.get("/v1/user/usage_reports/3").respond(json=report("pending"))
    with pytest.raises(PollTimeoutError):
        await cloud.usage.wait_for_report(3, attempts=2, interval=1.0)
