"""Products: listing, ID-or-slug addressing, and the product-scoped device routes."""

from __future__ import annotations

import itertools

import httpx
import pytest

from particle_async.testing import FakeCloud, FakeProduct, FakeUser

_ids = itertools.count(1000)


@pytest.fixture
def product(cloud: FakeCloud, user: FakeUser) -> FakeProduct:
    number = next(_ids)
    return cloud.add_product(number, f"widget-{number}", "Widget", members=[user])


def test_list_and_get_by_id_or_slug(client: httpx.Client, product: FakeProduct) -> None:
    listed = client.get("/v1/products").json()
    assert [p["slug"] for p in listed["products"]] == [product.slug]
    by_id = client.get(f"/v1/products/{product.id}").json()
    by_slug = client.get(f"/v1/products/{product.slug}").json()
    assert by_id == by_slug
    assert (by_id["product"]["id"], by_id["product"]["name"]) == (product.id, "Widget")


def test_unknown_product_404_and_outsider_403(
    cloud: FakeCloud, client: httpx.Client, other: FakeUser
) -> None:
    theirs = cloud.add_product(next(_ids), members=[other])
    missing = client.get("/v1/products/no-such-product")
    assert (missing.status_code, missing.json()) == (
        404,
        {"ok": False, "error": "Product not found."},
    )
    denied = client.get(f"/v1/products/{theirs.id}/devices")
    assert (denied.status_code, denied.json()) == (403, {"ok": False, "error": "Permission Denied"})


def test_device_list_pages_with_meta(
    cloud: FakeCloud, client: httpx.Client, product: FakeProduct
) -> None:
    for _ in range(30):
        cloud.add_device(product_id=product.id, claimed=False)
    first = client.get(f"/v1/products/{product.slug}/devices").json()
    assert set(first) == {"devices", "customers", "meta"}
    assert (len(first["devices"]), first["customers"], first["meta"]) == (
        25,
        [],
        {"total_pages": 2},
    )
    third = client.get(
        f"/v1/products/{product.id}/devices", params={"page": 3, "perPage": 10}
    ).json()
    assert (len(third["devices"]), third["meta"]["total_pages"]) == (10, 3)
    sdk_style = client.get(f"/v1/products/{product.id}/devices", params={"per_page": 20}).json()
    assert len(sdk_style["devices"]) == 20
    device = first["devices"][0]
    assert (device["product_id"], device["firmware_version"], device["owner"]) == (
        product.id,
        1,
        None,
    )


def test_product_device_routes(
    cloud: FakeCloud, client: httpx.Client, product: FakeProduct
) -> None:
    device = cloud.add_device(
        product_id=product.id, claimed=False, variables={"v": 5}, functions={"f": lambda arg: 42}
    )
    base = f"/v1/products/{product.slug}/devices/{device.id}"
    assert client.get(base).json()["id"] == device.id
    updated = client.put(base, json={"development": True, "groups": ["east"]}).json()
    assert (updated["development"], updated["groups"]) == (True, ["east"])
    assert client.get(f"{base}/v").json()["result"] == 5
    assert client.post(f"{base}/f", json={"arg": "x"}).json()["return_value"] == 42
    assert client.put(f"{base}/ping").json() == {"online": True, "ok": True}
    removed = client.delete(base)
    assert (removed.status_code, removed.content) == (204, b"")
    assert device.product_id is None
    gone = client.get(base)
    assert (gone.status_code, gone.json()) == (404, {"ok": False, "error": "Device not found."})


def test_import_devices(
    cloud: FakeCloud, client: httpx.Client, product: FakeProduct, user: FakeUser
) -> None:
    existing = cloud.add_device(owner=user)
    new_id = "ab" * 12
    response = client.post(
        f"/v1/products/{product.id}/devices", json={"ids": [existing.id, new_id, "bad"]}
    )
    assert response.json() == {"updated": 2, "nonmemberDeviceIds": [], "invalidDeviceIds": ["bad"]}
    assert existing.product_id == product.id
    assert cloud.device(new_id).product_id == product.id


def test_orgs(cloud: FakeCloud, client: httpx.Client, user: FakeUser) -> None:
    org = cloud.add_org(f"org-{next(_ids)}", "Acme", members=[user])
    product = cloud.add_product(next(_ids), org=org.slug, members=[user])
    assert client.get("/v1/orgs").json() == {
        "organizations": [{"id": org.id, "slug": org.slug, "name": "Acme"}]
    }
    assert client.get(f"/v1/orgs/{org.slug}").json()["organization"]["id"] == org.id
    products = client.get(f"/v1/orgs/{org.id}/products").json()["products"]
    assert [p["id"] for p in products] == [product.id]
