"""`cloud.sims`: own and product SIMs, paging, actions, import, data usage, the status task."""

from __future__ import annotations

import pathlib
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx

from particle_async import Particle, PollTimeoutError
from particle_async._errors import NotFoundError
from particle_async.models.sims import Sim, SimStatus

from ..helpers import FakeClock, body_of, query_of, sent, user_or_product

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product"]
ICCID = "8934076500002589174"


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
