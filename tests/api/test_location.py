"""`cloud.location`: paged product locations and one device's."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
import respx

from particle_async import Particle

from ..helpers import query_of, sent

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product"]
DEVICE = "0123456789abcdef01234567"


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
