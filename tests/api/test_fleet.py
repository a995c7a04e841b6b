"""Fleet areas: device groups, diagnostics, SIMs, usage, location and configuration."""

from __future__ import annotations

import json
import pathlib
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx

from particle_async import Particle, PollTimeoutError
from particle_async._errors import (
    BadRequestError,
    NotFoundError,
    ServerError,
    UnprocessableEntityError,
)
from particle_async.models.device_groups import DeviceGroup, GroupImpact
from particle_async.models.diagnostics import DiagnosticsRecord
from particle_async.models.sims import Sim, SimStatus
from particle_async.models.usage import ServiceAgreement, UsageNotification, UsageReport

from ..helpers import FakeClock

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product"]
DEVICE = "0123456789abcdef01234567"
ICCID = "8934076500002589174"


def sent(route: respx.Route, index: int = -1) -> httpx.Request:
    return route.calls[index].request


def body_of(route: respx.Route, content_type: str = "application/json") -> Any:
    request = sent(route)
    assert request.headers["Content-Type"] == content_type
    return json.loads(request.content)


def query_of(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(sent(route, index).url.params)


def user_or_product(product: int | str | None, rest: str) -> str:
    return f"/v1/{rest}" if product is None else f"/v1/products/{product}/{rest}"


# === device groups ======================================================================

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


# === diagnostics ========================================================================


def vitals(updated_at: str) -> dict[str, Any]:
    return {
        "diagnostics": {
            "updated_at": updated_at,
            "deviceID": DEVICE,
            "payload": {"device": {"power": {"battery": {"charge": 87.12}}}},
        }
    }


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_diagnostics_refresh_last_history(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    refresh = router.post(user_or_product(product, f"diagnostics/{DEVICE}/update")).respond(
        202, json={"ok": True}
    )
    last = router.get(user_or_product(product, f"diagnostics/{DEVICE}/last")).respond(
        json=vitals("2017-12-19T12:37:07.318Z")
    )
    history = router.get(user_or_product(product, f"diagnostics/{DEVICE}")).respond(
        json={"diagnostics": [vitals("2017-12-19T12:37:07.318Z")["diagnostics"]]}
    )
    assert (await cloud.diagnostics.refresh(DEVICE, product=product)).ok
    assert sent(refresh).content == b""
    record = await cloud.diagnostics.last(DEVICE, product=product)
    assert last.called
    assert isinstance(record, DiagnosticsRecord)
    assert record.device_id == DEVICE
    assert record.vital("device.power.battery.charge") == 87.12
    assert record.vital("device.nope", "?") == "?"
    records = await cloud.diagnostics.history(
        DEVICE,
        product=product,
        start_date=datetime(2017, 12, 18, 12, 0, tzinfo=timezone.utc),
        end_date="2017-12-20T12:37:07.318Z",
    )
    assert query_of(history) == {
        "start_date": "2017-12-18T12:00:00+00:00",
        "end_date": "2017-12-20T12:37:07.318Z",
    }
    assert [r.device_id for r in records] == [DEVICE]


async def test_diagnostics_history_as_csv(cloud: Particle, router: respx.Router) -> None:
    route = router.get(f"/v1/diagnostics/{DEVICE}").respond(
        text="updated_at,charge\n2017-12-19,87\n", headers={"Content-Type": "text/csv"}
    )
    text = await cloud.diagnostics.history_csv(DEVICE)
    assert sent(route).headers["Accept"] == "text/csv"
    assert text.splitlines()[0] == "updated_at,charge"


async def test_diagnostics_bad_dates_are_a_bad_request(
    cloud: Particle, router: respx.Router
) -> None:
    router.get(f"/v1/diagnostics/{DEVICE}").respond(
        400,
        json={"error": "bad_request", "description": "start_date and end_date must be ISO8601"},
    )
    with pytest.raises(BadRequestError) as caught:
        await cloud.diagnostics.history(DEVICE, end_date="invalid-date")
    assert caught.value.error_description == "start_date and end_date must be ISO8601"


async def test_refresh_and_wait_polls_until_newer_vitals(
    cloud: Particle, router: respx.Router, clock: FakeClock
) -> None:
    last = router.get(f"/v1/products/1234/diagnostics/{DEVICE}/last").mock(
        side_effect=[
            httpx.Response(200, json=vitals("2024-01-01T00:00:00Z")),  # before the refresh
            httpx.Response(200, json=vitals("2024-01-01T00:00:00Z")),  # not yet
            httpx.Response(200, json=vitals("2024-01-01T00:05:00Z")),  # fresh
        ]
    )
    refresh = router.post(f"/v1/products/1234/diagnostics/{DEVICE}/update").respond(
        202, json={"ok": True}
    )
    record = await cloud.diagnostics.refresh_and_wait(DEVICE, product=1234, interval=3.0)
    assert record.updated_at == datetime(2024, 1, 1, 0, 5, tzinfo=timezone.utc)
    assert refresh.call_count == 1
    assert last.call_count == 3
    assert clock.sleeps == [3.0]


async def test_wait_for_vitals_treats_404_as_not_yet_and_gives_up(
    cloud: Particle, router: respx.Router, clock: FakeClock
) -> None:
    route = router.get(f"/v1/diagnostics/{DEVICE}/last").respond(404, json={})
    with pytest.raises(PollTimeoutError) as caught:
        await cloud.diagnostics.wait_for_vitals(DEVICE, attempts=3, interval=1.5)
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.last is None
    assert route.call_count == 3
    assert clock.sleeps == [1.5, 1.5]


# === SIM cards ==========================================================================

SIM_JSON = {"_id": ICCID, "status": "active", "carrier": "telefonica", "last_device_id": "123"}


async def test_list_own_sims_is_one_page_without_parameters(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.get("/v1/sims").respond(json={"sims": [SIM_JSON]})
    page = await cloud.sims.list()
    assert query_of(route) == {}
    assert isinstance(page.items[0], Sim)
    assert (page.items[0].iccid, page.items[0].is_active, page.is_last) == (ICCID, True, True)
    assert page.items[0].raw == SIM_JSON
    assert [s.iccid async for s in cloud.sims.iter()] == [ICCID]


async def test_sim_filters_need_a_product(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="product="):
        await cloud.sims.list(iccid="89")


@pytest.mark.parametrize("product", PRODUCTS)
async def test_list_product_sims_with_filters(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.get(f"/v1/products/{product}/sims").respond(
        json={"sims": [SIM_JSON], "meta": {"total_pages": 3}}
    )
    page = await cloud.sims.list(
        product=product, iccid="8934", device_id="12", device_name="truck", page=2, per_page=1
    )
    assert query_of(route) == {
        "iccid": "8934",
        "deviceId": "12",
        "deviceName": "truck",
        "page": "2",
        "per_page": "1",
        "perPage": "1",
    }
    assert (page.page, page.total_pages) == (2, 3)


async def test_iter_product_sims_walks_pages(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/products/my-product/sims").mock(
        side_effect=[
            httpx.Response(
                200, json={"sims": [{"iccid": "1"}, {"iccid": "2"}], "meta": {"total_pages": 2}}
            ),
            httpx.Response(200, json={"sims": [{"iccid": "3"}], "meta": {"total_pages": 2}}),
        ]
    )
    assert [s.iccid async for s in cloud.sims.iter(product="my-product", per_page=2)] == [
        "1",
        "2",
        "3",
    ]
    assert [query_of(route, i) for i in range(2)] == [
        {"page": "1", "per_page": "2", "perPage": "2"},
        {"page": "2", "per_page": "2", "perPage": "2"},
    ]


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_get_sim(cloud: Particle, router: respx.Router, product: int | str | None) -> None:
    route = router.get(user_or_product(product, f"sims/{ICCID}")).respond(
        json={"sim": {**SIM_JSON, "owner": "someone@particle.io"}}
    )
    sim = await cloud.sims.get(ICCID, product=product)
    assert route.called
    assert (sim.iccid, sim.owner, sim.last_device_id) == (ICCID, "someone@particle.io", "123")


async def test_check_sim_uses_head(cloud: Particle, router: respx.Router) -> None:
    route = router.head(f"/v1/sims/{ICCID}").respond(200)
    assert await cloud.sims.check(ICCID)
    assert sent(route).method == "HEAD"
    router.head("/v1/sims/missing").respond(404)
    with pytest.raises(NotFoundError):
        await cloud.sims.check("missing")


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_sim_actions(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    route = router.put(user_or_product(product, f"sims/{ICCID}")).respond(200)
    assert await cloud.sims.deactivate(ICCID, product=product)
    assert body_of(route) == {"action": "deactivate"}
    assert await cloud.sims.reactivate(ICCID, product=product)
    assert body_of(route) == {"action": "reactivate"}
    assert await cloud.sims.update(ICCID, "deactivate", product=product)
    assert body_of(route) == {"action": "deactivate"}


async def test_activate_own_sim(cloud: Particle, router: respx.Router) -> None:
    route = router.put(f"/v1/sims/{ICCID}").respond(json={"ok": True})
    assert await cloud.sims.activate(ICCID)
    assert body_of(route) == {"action": "activate"}


@pytest.mark.parametrize(("status", "pending"), [(204, False), (202, True)])
@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_remove_sim(
    cloud: Particle, router: respx.Router, product: int | str | None, status: int, pending: bool
) -> None:
    route = router.delete(user_or_product(product, f"sims/{ICCID}")).respond(status)
    assert (await cloud.sims.remove(ICCID, product=product)).pending is pending
    assert route.called


@pytest.mark.parametrize("product", PRODUCTS)
async def test_import_sims(
    cloud: Particle, router: respx.Router, product: int | str, tmp_path: pathlib.Path
) -> None:
    route = router.post(f"/v1/products/{product}/sims").respond(json={"ok": True})
    assert await cloud.sims.import_sims(product, iccids=[ICCID, "2"])
    assert body_of(route) == {"sims": [ICCID, "2"]}
    listing = tmp_path / "sims.txt"
    listing.write_text(f"{ICCID}\n")
    assert await cloud.sims.import_sims(product, file=listing)
    request = sent(route)
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="sims.txt"' in request.content
    assert ICCID.encode() in request.content
    with pytest.raises(ValueError, match="exactly one"):
        await cloud.sims.import_sims(product)


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_sim_data_usage(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    route = router.get(user_or_product(product, f"sims/{ICCID}/data_usage")).respond(
        json={
            "iccid": ICCID,
            "usage_by_day": [
                {"date": "2017-02-24", "mbs_used": 0.98, "mbs_used_cumulative": 0.98},
                {"date": "2017-02-25", "mbs_used": 0.50, "mbs_used_cumulative": 1.48},
            ],
        }
    )
    usage = await cloud.sims.data_usage(ICCID, product=product)
    assert route.called
    assert usage.usage_by_day[0].day == date(2017, 2, 24)
    assert usage.total_mbs == 1.48


@pytest.mark.parametrize("product", PRODUCTS)
async def test_fleet_data_usage(cloud: Particle, router: respx.Router, product: int | str) -> None:
    route = router.get(f"/v1/products/{product}/sims/data_usage").respond(
        json={
            "total_mbs_used": 200.0,
            "total_active_sim_cards": 2000,
            "usage_by_day": [
                {"date": "2017-03-01", "mbs_used": 100.0, "mbs_used_cumulative": 100.0}
            ],
        }
    )
    usage = await cloud.sims.fleet_data_usage(product)
    assert route.called
    assert (usage.total_mbs_used, usage.total_active_sim_cards) == (200.0, 2000)
    assert usage.usage_by_day[0].mbs_used == 100.0


def sim_status(state: str, check_again_after: datetime | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"state": state, "method": "async", "task_id": "1234abcd"}
    if check_again_after is not None:
        meta["check_again_after"] = check_again_after.isoformat()
    done = state == "complete"
    return {
        "ok": True,
        "meta": meta,
        "sim_status": {
            "connected": True if done else None,
            "gsm_connection": True if done else None,
            "data_connection": True if done else None,
        },
    }


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_sim_status_answers_202_pending(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    due = datetime(2018, 5, 29, 19, 32, 5, tzinfo=timezone.utc)
    route = router.get(user_or_product(product, f"sims/{ICCID}/status")).respond(
        202, json=sim_status("pending", due)
    )
    status = await cloud.sims.status(ICCID, product=product)
    assert route.called
    assert isinstance(status, SimStatus)
    assert (status.state, status.is_complete, status.task_id) == ("pending", False, "1234abcd")
    assert status.check_again_after == due
    assert status.connected is None


async def test_wait_for_status_honours_check_again_after(
    cloud: Particle, router: respx.Router, clock: FakeClock
) -> None:
    soon = datetime.now(timezone.utc) + timedelta(seconds=10)
    route = router.get(f"/v1/sims/{ICCID}/status").mock(
        side_effect=[
            httpx.Response(202, json=sim_status("pending", soon)),
            httpx.Response(202, json=sim_status("pending")),  # no hint: the minimum
            httpx.Response(202, json=sim_status("pending", soon + timedelta(hours=1))),  # capped
            httpx.Response(200, json=sim_status("complete")),
        ]
    )
    status = await cloud.sims.wait_for_status(ICCID, min_interval=1.0, max_interval=30.0)
    assert status.is_complete
    assert status.connected is True
    assert route.call_count == 4
    assert 8.0 < clock.sleeps[0] <= 10.0
    assert clock.sleeps[1:] == [1.0, 30.0]


async def test_wait_for_status_gives_up(
    cloud: Particle, router: respx.Router, clock: FakeClock
) -> None:
    router.get(f"/v1/products/1234/sims/{ICCID}/status").respond(202, json=sim_status("pending"))
    with pytest.raises(PollTimeoutError) as caught:
        await cloud.sims.wait_for_status(ICCID, product=1234, attempts=2)
    assert caught.value.last.state == "pending"
    assert clock.sleeps == [1.0]


# === usage ==============================================================================


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


# === location ===========================================================================

TRACK = {
    "device_id": DEVICE,
    "product_id": 343,
    "device_name": "service-truck7",
    "groups": ["us-east", "trucks"],
    "gps_lock": True,
    "last_heard": "2020-12-05T20:06:12Z",
    "timestamps": ["2020-12-05T20:03:40Z", "2020-12-05T20:06:12Z"],
    "online": False,
    "geometry": {"type": "LineString", "coordinates": [[34.51, 31.50], [34.52, 31.60]]},
}


@pytest.mark.parametrize("product", PRODUCTS)
async def test_list_locations(cloud: Particle, router: respx.Router, product: int | str) -> None:
    route = router.get(f"/v1/products/{product}/locations").respond(
        json={
            "locations": [TRACK],
            "meta": {"page": 1, "per_page": 20, "total_pages": 5, "devices_found": 100},
        }
    )
    page = await cloud.location.list(
        product,
        date_range=(datetime(2020, 12, 5, 20, tzinfo=timezone.utc), "2020-12-05T20:07:39Z"),
        rect_bl=(30.5, 30.0),
        rect_tr="36.2,35.6",
        device_name="service-truck",
        groups=["us-east", "trucks"],
        per_page=20,
    )
    params = sent(route).url.params
    assert list(params.multi_items()) == [
        ("date_range", "2020-12-05T20:00:00+00:00,2020-12-05T20:07:39Z"),
        ("rect_bl", "30.5,30.0"),
        ("rect_tr", "36.2,35.6"),
        ("device_name", "service-truck"),
        ("per_page", "20"),
        ("groups[0]", "us-east"),
        ("groups[1]", "trucks"),
    ]
    assert (page.total, page.total_pages, page.is_last) == (100, 5, False)
    location = page.items[0]
    assert (location.geometry_type, location.latest, location.gps_lock) == (
        "LineString",
        (34.52, 31.60),
        True,
    )
    assert len(location.timestamps) == 2


async def test_iter_locations_walks_pages(cloud: Particle, router: respx.Router) -> None:
    def page(n: int) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "locations": [{**TRACK, "device_id": f"d{n}"}],
                "meta": {"page": n, "per_page": 1, "total_pages": 2, "devices_found": 2},
            },
        )

    route = router.get("/v1/products/1234/locations").mock(side_effect=[page(1), page(2)])
    assert [x.device_id async for x in cloud.location.iter(1234, per_page=1)] == ["d1", "d2"]
    assert [query_of(route, i) for i in range(2)] == [
        {"page": "1", "per_page": "1"},
        {"page": "2", "per_page": "1"},
    ]


@pytest.mark.parametrize("product", PRODUCTS)
async def test_device_location_and_fleet(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    one = router.get(f"/v1/products/{product}/locations/{DEVICE}").respond(
        json={
            "location": {
                **TRACK,
                "geometry": {"type": "Point", "coordinates": [34.54, 31.80]},
                "properties": [{"hd": 36.6, "speed": 13.5}],
            },
            "meta": {},
        }
    )
    fleet = router.get(f"/v1/products/{product}/fleet_locations").respond(
        json={"locations": [TRACK]}
    )
    location = await cloud.location.get(product, DEVICE, rect_bl="10.5,11", rect_tr=(11.0, 11.5))
    assert query_of(one) == {"rect_bl": "10.5,11", "rect_tr": "11.0,11.5"}
    assert (location.points, location.properties[0]["speed"]) == ([(34.54, 31.80)], 13.5)
    everyone = await cloud.location.fleet(product, groups=["us-east", "trucks"], device_id="01")
    assert query_of(fleet) == {"device_id": "01", "groups": "us-east,trucks"}
    assert everyone[0].device_name == "service-truck7"


# === configuration ======================================================================

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
