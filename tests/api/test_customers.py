"""`cloud.customers`: two-legged creation, scoped tokens, listing, passwords, deletion."""

from __future__ import annotations

import base64

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.customers import Customer

from ..helpers import TOKEN, form_of, json_of

pytestmark = pytest.mark.anyio

PRODUCTS = pytest.mark.parametrize("product", [1337, "my-product-v1"])
GRANT = {"token_type": "bearer", "access_token": "c" * 40, "refresh_token": "r", "expires_in": 9}


@PRODUCTS
async def test_create_customer_two_legged(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.post(f"/v1/products/{product}/customers").respond(201, json=GRANT)
    grant = await cloud.customers.create(
        product, "jane@example.com", client_id="prod-1", client_secret="s", no_password=True
    )
    request = route.calls.last.request
    assert "Authorization" not in request.headers
    assert form_of(request) == {
        "email": "jane@example.com",
        "grant_type": "client_credentials",
        "client_id": "prod-1",
        "client_secret": "s",
        "no_password": "true",
    }
    assert grant.access_token == "c" * 40


async def test_create_customer_with_team_token(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/products/1337/customers").respond(201, json=GRANT)
    await cloud.customers.create(1337, "bob@example.com", "pw")
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert form_of(request) == {"email": "bob@example.com", "password": "pw"}


async def test_create_customer_argument_checks(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="both"):
        await cloud.customers.create(1, "a@b.c", client_id="only-id")
    with pytest.raises(ValueError, match="password"):
        await cloud.customers.create(1, "a@b.c")


async def test_create_customer_is_not_retried(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/products/1/customers").mock(
        side_effect=[httpx.Response(502), httpx.Response(201, json=GRANT)]
    )
    with pytest.raises(ServerError):
        await cloud.customers.create(1, "a@b.c", "pw")
    assert route.call_count == 1


async def test_customer_scoped_token(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/oauth/token").respond(json=GRANT)
    grant = await cloud.customers.create_token(
        "jane@example.com", client_id="prod-1", client_secret="s"
    )
    request = route.calls.last.request
    basic = base64.b64encode(b"prod-1:s").decode()
    assert request.headers["Authorization"] == f"Basic {basic}"
    assert form_of(request) == {
        "grant_type": "client_credentials",
        "scope": "customer=jane@example.com",
    }
    assert grant.access_token == "c" * 40


@PRODUCTS
async def test_list_customers_walks_pages(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    def page(number: int) -> dict[str, object]:
        return {
            "customers": [
                {"id": f"c{number}", "username": f"u{number}@x.com", "devices": [f"d{number}"]}
            ],
            "devices": [{"id": f"d{number}", "product_id": 6, "online": True}],
            "meta": {"total_pages": 3},
        }

    route = router.get(f"/v1/products/{product}/customers").mock(
        side_effect=[httpx.Response(200, json=page(n)) for n in (1, 2, 3)]
    )
    customers = await cloud.customers.iter(product, per_page=1).collect()
    assert [c.username for c in customers] == ["u1@x.com", "u2@x.com", "u3@x.com"]
    assert all(isinstance(c, Customer) for c in customers)
    assert customers[0].devices == ("d1",)
    assert [dict(call.request.url.params) for call in route.calls] == [
        {"page": "1", "per_page": "1"},
        {"page": "2", "per_page": "1"},
        {"page": "3", "per_page": "1"},
    ]


async def test_list_customers_one_page(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/products/7/customers").respond(
        json={"customers": [{"id": "c1", "username": "a@b.c"}], "meta": {"total_pages": 4}}
    )
    page = await cloud.customers.list(7, page=2, per_page=25)
    assert dict(route.calls.last.request.url.params) == {"page": "2", "per_page": "25"}
    assert page.page == 2
    assert page.total_pages == 4
    assert not page.is_last
    await cloud.customers.list(7)
    assert route.calls.last.request.url.query == b""


@PRODUCTS
async def test_set_password_and_delete_customer(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    put = router.put(f"/v1/products/{product}/customers/jane%40example.com").respond(
        json={"ok": True}
    )
    delete = router.delete(f"/v1/products/{product}/customers/jane%40example.com").respond(
        json={"ok": True}
    )
    assert await cloud.customers.set_password(product, "jane@example.com", "new") is True
    assert json_of(put.calls.last.request) == {"password": "new"}
    assert await cloud.customers.delete(product, "jane@example.com") is True
    assert delete.call_count == 1
