"""`cloud.products` and `cloud.products.devices`: routes, parameters, bodies, paging."""

from __future__ import annotations

import io
import pathlib
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
import respx

from particle_async import Particle
from particle_async._errors import ServerError
from particle_async.models.products import DevicePage, FleetMetrics, ImportResult, Product

from ..helpers import body_of, query_of, sent

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product"]
DEVICE = "0123456789abcdef01234567"
PRODUCT_JSON = {
    "id": 1234,
    "platform_id": 10,
    "name": "My Product",
    "slug": "my-product",
    "groups": ["one", "two"],
    "settings": {"quarantine": True},
}


def devices_page(ids: list[str], total_pages: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "devices": [{"id": i, "product_id": 1234} for i in ids],
        "customers": [{"id": "c1", "username": "jo@example.com", "devices": ids[:1]}],
    }
    if total_pages is not None:
        body["meta"] = {"total_pages": total_pages}
    return body


# --- products ---------------------------------------------------------------------------


async def test_list_products(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/products").respond(json={"products": [PRODUCT_JSON]})
    products = await cloud.products.list()
    assert route.called
    assert isinstance(products[0], Product)
    assert (products[0].id, products[0].slug, products[0].quarantine) == (1234, "my-product", True)


async def test_list_user_products(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/user/products").respond(json={"products": [PRODUCT_JSON]})
    assert [p.name for p in await cloud.products.list_user_products()] == ["My Product"]
    assert route.called


@pytest.mark.parametrize("product", PRODUCTS)
async def test_get_product(cloud: Particle, router: respx.Router, product: int | str) -> None:
    route = router.get(f"/v1/products/{product}").respond(json={"product": PRODUCT_JSON})
    result = await cloud.products.get(product)
    assert route.called
    assert (result.id, result.groups, result.platform_id) == (1234, ("one", "two"), 10)


@pytest.mark.parametrize(
    ("method", "metric"),
    [
        ("online_metrics", "online"),
        ("event_metrics", "events"),
        ("integration_metrics", "integration"),
        ("function_metrics", "functions"),
        ("variable_metrics", "variables"),
    ],
)
@pytest.mark.parametrize("product", PRODUCTS)
async def test_fleet_health_metrics(
    cloud: Particle, router: respx.Router, product: int | str, method: str, metric: str
) -> None:
    route = router.get(f"/v1/products/{product}/metrics/{metric}").respond(
        json={"data": [{"time": "2024-01-01T00:00:00Z", "count": 3}]}
    )
    result = await getattr(cloud.products, method)(
        product,
        start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
        end_date="2024-01-02T00:00:00Z",
        bucket_size=3600,
        device_group="beta",
    )
    assert query_of(route) == {
        "start_date": "2024-01-01T00:00:00+00:00",
        "end_date": "2024-01-02T00:00:00Z",
        "bucket_size": "3600",
        "device_group": "beta",
    }
    assert isinstance(result, FleetMetrics)
    assert result.metric == metric
    assert result.get("data")[0]["count"] == 3


async def test_metrics_without_filters_send_no_query(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/products/1234/metrics/online").respond(json={})
    await cloud.products.metrics(1234, "online", product_fw=3, device_os_version="5.0.0")
    assert query_of(route) == {"product_fw": "3", "device_os_version": "5.0.0"}


# --- product devices: one page, and every page --------------------------------------------


@pytest.mark.parametrize("product", PRODUCTS)
async def test_list_product_devices_sends_every_filter(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.get(f"/v1/products/{product}/devices").respond(
        json=devices_page(["a", "b"], total_pages=4)
    )
    page = await cloud.products.devices.list(
        product,
        device_id="ab",
        name="truck",
        serial_number="E40",
        groups=["asia", "europe"],
        sort_attr="firmwareVersion",
        sort_dir="asc",
        quarantined=True,
        page=2,
        per_page=2,
    )
    assert query_of(route) == {
        "deviceId": "ab",
        "deviceName": "truck",
        "serialNumber": "E40",
        "groups": "asia,europe",
        "sortAttr": "firmwareVersion",
        "sortDir": "asc",
        "quarantined": "true",
        "page": "2",
        "per_page": "2",
        "perPage": "2",
    }
    assert isinstance(page, DevicePage)
    assert [d.id for d in page.items] == ["a", "b"]
    assert (page.page, page.total_pages, page.is_last) == (2, 4, False)
    assert page.customers[0].username == "jo@example.com"
    assert page.customers[0].devices == ("a",)


async def test_list_product_devices_defaults(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/products/1234/devices").respond(json=devices_page(["a"], 1))
    page = await cloud.products.devices.list(1234)
    assert query_of(route) == {}
    assert page.is_last


@pytest.mark.parametrize("product", PRODUCTS)
async def test_iter_walks_every_page_by_total_pages(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.get(f"/v1/products/{product}/devices").mock(
        side_effect=[
            httpx.Response(200, json=devices_page(["a", "b"], 3)),
            httpx.Response(200, json=devices_page(["c", "d"], 3)),
            httpx.Response(200, json=devices_page(["e"], 3)),
        ]
    )
    seen = [d.id async for d in cloud.products.devices.iter(product, per_page=2, groups=["beta"])]
    assert seen == ["a", "b", "c", "d", "e"]
    assert route.call_count == 3
    for index, number in enumerate(["1", "2", "3"]):
        assert query_of(route, index) == {
            "groups": "beta",
            "page": number,
            "per_page": "2",
            "perPage": "2",
        }


async def test_iter_stops_on_a_short_page_without_meta(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.get("/v1/products/1234/devices").mock(
        side_effect=[
            httpx.Response(200, json=devices_page(["a", "b"])),
            httpx.Response(200, json=devices_page(["c"])),
        ]
    )
    assert [d.id for d in await cloud.products.devices.iter(1234, per_page=2).collect()] == [
        "a",
        "b",
        "c",
    ]
    assert [query_of(route, i)["page"] for i in range(2)] == ["1", "2"]


async def test_awaiting_the_pager_gives_the_first_page(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.get("/v1/products/1234/devices").respond(json=devices_page(["a"], 9))
    page = await cloud.products.devices.iter(1234)
    assert page.items[0].id == "a"
    assert query_of(route) == {"page": "1", "per_page": "25", "perPage": "25"}


@pytest.mark.parametrize("product", PRODUCTS)
async def test_get_product_device(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.get(f"/v1/products/{product}/devices/{DEVICE}").respond(
        json={"id": DEVICE, "groups": ["asia"], "development": True, "quarantined": False}
    )
    device = await cloud.products.devices.get(product, DEVICE)
    assert route.called
    assert (device.groups, device.development) == (("asia",), True)


# --- adding, importing, approving, denying, removing ------------------------------------


@pytest.mark.parametrize("product", PRODUCTS)
async def test_add_and_approve_send_the_id_as_json(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.post(f"/v1/products/{product}/devices").respond(
        json={"updated": 1, "nonmemberDeviceIds": [], "invalidDeviceIds": []}
    )
    result = await cloud.products.devices.add(product, DEVICE, import_sims=True)
    assert body_of(route) == {"id": DEVICE, "import_sims": True}
    assert isinstance(result, ImportResult)
    assert result.updated == 1
    await cloud.products.devices.approve(product, DEVICE)
    assert body_of(route) == {"id": DEVICE}


async def test_approve_accepts_an_empty_answer(cloud: Particle, router: respx.Router) -> None:
    router.post("/v1/products/1234/devices").respond(200)
    assert (await cloud.products.devices.approve(1234, DEVICE)).ok


async def test_add_is_never_resent(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/products/1234/devices").respond(502)
    with pytest.raises(ServerError):
        await cloud.products.devices.add(1234, DEVICE)
    assert route.call_count == 1


async def test_import_a_list_of_ids(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/products/1234/devices").respond(
        json={"updated": 1, "nonmemberDeviceIds": ["b"], "invalidDeviceIds": ["c"]}
    )
    result = await cloud.products.devices.import_devices(1234, ids=["a", "b", "c"])
    assert body_of(route) == {"ids": ["a", "b", "c"]}
    assert (result.nonmember_device_ids, result.invalid_device_ids) == (("b",), ("c",))


@pytest.mark.parametrize("product", PRODUCTS)
async def test_import_a_file_by_path_as_multipart(
    cloud: Particle, router: respx.Router, tmp_path: pathlib.Path, product: int | str
) -> None:
    listing = tmp_path / "fleet.txt"
    listing.write_text("dev1\ndev2\n")
    route = router.post(f"/v1/products/{product}/devices").respond(json={"updated": 2})
    progress: list[tuple[int, int]] = []
    result = await cloud.products.devices.import_devices(
        product,
        file=listing,
        import_sims=True,
        claim_user="jo@example.com",
        progress=lambda done, total: progress.append((done, total)),
    )
    request = sent(route)
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="fleet.txt"' in request.content
    assert b"dev1\ndev2\n" in request.content
    assert b'name="import_sims"\r\n\r\ntrue' in request.content
    assert b'name="claim_user"\r\n\r\njo@example.com' in request.content
    assert result.updated == 2
    assert progress[-1][0] == progress[-1][1] == len(request.content)


@pytest.mark.parametrize(
    ("source", "filename"),
    [(b"dev1\n", "devices.txt"), (io.BytesIO(b"dev1\n"), "devices.txt")],
)
async def test_import_bytes_or_a_file_object(
    cloud: Particle, router: respx.Router, source: Any, filename: str
) -> None:
    route = router.post("/v1/products/1234/devices").respond(json={"updated": 1})
    await cloud.products.devices.import_devices(1234, file=source)
    content = sent(route).content
    assert f'name="file"; filename="{filename}"'.encode() in content
    assert b"dev1\n" in content
    assert b"import_sims" not in content


async def test_import_needs_exactly_one_source(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        await cloud.products.devices.import_devices(1234)
    with pytest.raises(ValueError, match="exactly one"):
        await cloud.products.devices.import_devices(1234, ids=["a"], file=b"a")


@pytest.mark.parametrize("product", PRODUCTS)
async def test_deny_remove_and_remove_owner(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    device = router.delete(f"/v1/products/{product}/devices/{DEVICE}").respond(204)
    owner = router.delete(f"/v1/products/{product}/devices/{DEVICE}/owner").respond(
        json={"ok": True}
    )
    assert await cloud.products.devices.deny(product, DEVICE)
    assert body_of(device) == {"deny": True}
    assert await cloud.products.devices.remove(product, DEVICE)
    assert sent(device).content == b""
    assert await cloud.products.devices.remove_owner(product, DEVICE)
    assert owner.called
    assert sent(owner).content == b""


# --- updating product devices ---------------------------------------------------------


@pytest.mark.parametrize("product", PRODUCTS)
async def test_update_product_device(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.put(f"/v1/products/{product}/devices/{DEVICE}").respond(
        json={"id": DEVICE, "name": "n", "notes": "x"}
    )
    result = await cloud.products.devices.update(product, DEVICE, name="n", notes="x", signal=True)
    assert body_of(route) == {"name": "n", "notes": "x", "signal": "1"}
    assert (result.name, result.notes) == ("n", "x")


@pytest.mark.parametrize("product", PRODUCTS)
async def test_development_and_firmware_lock(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.put(f"/v1/products/{product}/devices/{DEVICE}").respond(json={"id": DEVICE})
    await cloud.products.devices.mark_development(product, DEVICE)
    assert body_of(route) == {"development": True}
    await cloud.products.devices.mark_development(product, DEVICE, False)
    assert body_of(route) == {"development": False}
    await cloud.products.devices.lock_firmware(product, DEVICE, 7, flash=True)
    assert body_of(route) == {"desired_firmware_version": 7, "flash": True}
    await cloud.products.devices.unlock_firmware(product, DEVICE)
    assert body_of(route) == {"desired_firmware_version": None}
