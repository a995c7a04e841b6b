"""Customers, team and API users, organizations, OAuth clients and cloud secrets."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.customers import Customer
from particle_async.models.oauth_clients import OAuthClient
from particle_async.models.organizations import Organization, OrganizationProduct
from particle_async.models.secrets import CloudSecret
from particle_async.models.team import TeamMember

from ..helpers import TOKEN

pytestmark = pytest.mark.anyio

PRODUCTS = pytest.mark.parametrize("product", [1337, "my-product-v1"])
GRANT = {"token_type": "bearer", "access_token": "c" * 40, "refresh_token": "r", "expires_in": 9}


def form_of(request: httpx.Request) -> dict[str, str]:
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    return dict(httpx.QueryParams(request.content.decode()))


def json_of(request: httpx.Request) -> object:
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


# --- customers ---------------------------------------------------------------------------


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


# --- team --------------------------------------------------------------------------------


@PRODUCTS
async def test_list_team(cloud: Particle, router: respx.Router, product: int | str) -> None:
    router.get(f"/v1/products/{product}/team").respond(
        json={
            "ok": True,
            "team": [
                {"_id": "1", "username": "jeff@particle.io", "role": "Administrator"},
                {
                    "username": "bot+x@api.particle.io",
                    "friendly_name": "bot",
                    "is_programmatic": True,
                    "scopes": ["devices:list"],
                },
            ],
        }
    )
    team = await cloud.team.list(product)
    assert all(isinstance(m, TeamMember) for m in team)
    assert team[0].id == "1"
    assert team[0].role == "Administrator"
    assert team[1].is_programmatic is True
    assert team[1].scopes == ("devices:list",)


async def test_list_org_team_and_bare_array(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/orgs/acme/team").respond(json=[{"username": "a@b.c"}])
    team = await cloud.team.list(org="acme")
    assert [m.username for m in team] == ["a@b.c"]


async def test_team_needs_exactly_one_scope(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        await cloud.team.list()
    with pytest.raises(ValueError, match="exactly one"):
        await cloud.team.list(1, org="acme")


@PRODUCTS
async def test_invite_and_remove(cloud: Particle, router: respx.Router, product: int | str) -> None:
    invite = router.post(f"/v1/products/{product}/team").respond(
        json={"ok": True, "invited": {"username": "new@example.com"}}
    )
    remove = router.delete(f"/v1/products/{product}/team/new%40example.com").respond(
        json={"ok": True}
    )
    member = await cloud.team.invite("new@example.com", product)
    assert json_of(invite.calls.last.request) == {"username": "new@example.com"}
    assert member.username == "new@example.com"
    await cloud.team.invite("new@example.com", product, role="Developer")
    assert json_of(invite.calls.last.request) == {
        "username": "new@example.com",
        "role": "Developer",
    }
    assert await cloud.team.remove("new@example.com", product) is True
    assert remove.call_count == 1


async def test_org_forms_of_team_calls(cloud: Particle, router: respx.Router) -> None:
    invite = router.post("/v1/orgs/acme/team").respond(json={"ok": True, "invited": {}})
    remove = router.delete("/v1/orgs/acme/team/x%40y.z").respond(status_code=204)
    await cloud.team.invite("x@y.z", org="acme")
    assert invite.call_count == 1
    assert await cloud.team.remove("x@y.z", org="acme") is True
    assert remove.call_count == 1


@pytest.mark.parametrize(
    ("product", "org", "prefix"),
    [
        (1337, None, "/v1/products/1337"),
        ("my-product-v1", None, "/v1/products/my-product-v1"),
        (None, "acme", "/v1/orgs/acme"),
    ],
)
async def test_api_user_lifecycle(
    cloud: Particle, router: respx.Router, product: int | str | None, org: str | None, prefix: str
) -> None:
    create = router.post(f"{prefix}/team").respond(
        json={
            "ok": True,
            "created": {
                "username": "mytoken+abc@api.particle.io",
                "is_programmatic": True,
                "friendly_name": "MyToken",
                "scopes": ["devices:list"],
                "tokens": [{"token": "t" * 40}],
            },
        }
    )
    update = router.put(f"{prefix}/team/mytoken%2Babc%40api.particle.io").respond(
        json={"ok": True, "updated": {"username": "mytoken+abc@api.particle.io", "tokens": ["n"]}}
    )
    regen = router.put(f"{prefix}/team/mytoken%2Babc%40api.particle.io/token").respond(
        json={"ok": True, "updated": {"tokens": [{"token": "z" * 40}]}}
    )

    user = await cloud.team.create_api_user("MyToken", ["devices:list"], product, org=org)
    assert json_of(create.calls.last.request) == {
        "friendly_name": "MyToken",
        "scopes": ["devices:list"],
    }
    assert user.is_programmatic is True
    assert user.token == "t" * 40
    assert "t" * 40 not in repr(user)

    changed = await cloud.team.update(
        user.username or "", product, org=org, scopes=["devices:list", "events:get"]
    )
    assert json_of(update.calls.last.request) == {"scopes": ["devices:list", "events:get"]}
    assert changed.token == "n"

    fresh = await cloud.team.regenerate_token(user.username or "", product, org=org)
    assert regen.call_count == 1
    assert regen.calls.last.request.content == b""
    assert fresh.token == "z" * 40


async def test_regenerate_answer_with_a_bare_token(cloud: Particle, router: respx.Router) -> None:
    router.put("/v1/orgs/acme/team/bot/token").respond(json={"ok": True, "token": "q" * 40})
    member = await cloud.team.regenerate_token("bot", org="acme")
    assert member.token == "q" * 40
    assert "q" * 40 not in repr(member)


async def test_team_update_needs_a_field(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="needs"):
        await cloud.team.update("u", 1)


async def test_create_api_user_is_not_retried(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/products/1/team").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"created": {}})]
    )
    with pytest.raises(ServerError):
        await cloud.team.create_api_user("bot", ["devices:list"], 1)
    assert route.call_count == 1


# --- organizations -----------------------------------------------------------------------


async def test_organizations(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/orgs").respond(
        json={"organizations": [{"id": "o1", "name": "Acme", "slug": "acme"}]}
    )
    router.get("/v1/orgs/acme").respond(
        json={"organization": {"id": "o1", "name": "Acme", "slug": "acme"}}
    )
    router.get("/v1/orgs/acme/products").respond(
        json={"products": [{"id": 12345, "name": "My Product", "slug": "my-product"}]}
    )
    orgs = await cloud.organizations.list()
    assert orgs == [Organization(id="o1", name="Acme", slug="acme")]
    org = await cloud.organizations.get("acme")
    assert org.name == "Acme"
    products = await cloud.organizations.list_products("acme")
    assert isinstance(products[0], OrganizationProduct)
    assert (products[0].id, products[0].slug) == (12345, "my-product")


async def test_no_organizations(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/orgs").respond(json={"organizations": []})
    assert await cloud.organizations.list() == []


# --- OAuth clients -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "prefix"),
    [(None, "/v1"), (1337, "/v1/products/1337"), ("my-product-v1", "/v1/products/my-product-v1")],
)
async def test_oauth_client_lifecycle(
    cloud: Particle, router: respx.Router, product: int | str | None, prefix: str
) -> None:
    listing = router.get(f"{prefix}/clients").respond(
        json={
            "ok": True,
            "clients": [
                {"name": "server", "type": "installed", "id": "server-999"},
                {"name": "site", "type": "web", "id": "site-1", "redirect_uri": "https://x"},
            ],
        }
    )
    create = router.post(f"{prefix}/clients").respond(
        json={
            "ok": True,
            "client": {
                "name": "MyApp",
                "type": "installed",
                "id": "myapp-2146",
                "secret": "S" * 40,
            },
        }
    )
    update = router.put(f"{prefix}/clients/myapp-2146").respond(
        json={"ok": True, "client": {"name": "My App 2", "type": "installed", "id": "myapp-2146"}}
    )
    delete = router.delete(f"{prefix}/clients/myapp-2146").respond(status_code=204)

    clients = await cloud.oauth_clients.list(product=product)
    assert listing.call_count == 1
    assert [c.id for c in clients] == ["server-999", "site-1"]
    assert clients[1].redirect_uri == "https://x"

    made = await cloud.oauth_clients.create(
        "MyApp", "installed", scope=["customers:create"], product=product
    )
    assert json_of(create.calls.last.request) == {
        "name": "MyApp",
        "type": "installed",
        "scope": "customers:create",
    }
    assert isinstance(made, OAuthClient)
    assert made.secret == "S" * 40
    assert "S" * 40 not in repr(made)

    renamed = await cloud.oauth_clients.update("myapp-2146", name="My App 2", product=product)
    assert json_of(update.calls.last.request) == {"name": "My App 2"}
    assert renamed.name == "My App 2"

    assert await cloud.oauth_clients.delete("myapp-2146", product=product) is True
    assert delete.call_count == 1


async def test_oauth_client_checks_and_bare_answers(cloud: Particle, router: respx.Router) -> None:
    with pytest.raises(ValueError, match="redirect_uri"):
        await cloud.oauth_clients.create("site", "web")
    with pytest.raises(ValueError, match="name or scope"):
        await cloud.oauth_clients.update("c")
    route = router.post("/v1/clients").respond(json={"id": "w-1", "type": "web", "secret": "x"})
    made = await cloud.oauth_clients.create(
        "site", "web", redirect_uri="https://example.com/cb", scope="*:*"
    )
    assert json_of(route.calls.last.request) == {
        "name": "site",
        "type": "web",
        "redirect_uri": "https://example.com/cb",
        "scope": "*:*",
    }
    assert made.id == "w-1"
    put = router.put("/v1/clients/c").respond(json={"id": "c"})
    await cloud.oauth_clients.update("c", scope="none")
    assert json_of(put.calls.last.request) == {"scope": "none"}


# --- cloud secrets -----------------------------------------------------------------------

SECRET = {
    "name": "MY_API_KEY",
    "created_at": "2024-05-22T19:24:25.789Z",
    "updated_at": "2024-05-22T19:24:25.789Z",
    "last_accessed_at": None,
    "integrations": [{"name": "my integration", "id": "654346685db1b2cc1905d499"}],
    "logic_functions": [],
}


@pytest.mark.parametrize(("org", "prefix"), [(None, "/v1"), ("acme", "/v1/orgs/acme")])
async def test_secret_lifecycle(
    cloud: Particle, router: respx.Router, org: str | None, prefix: str
) -> None:
    router.get(f"{prefix}/secrets").respond(json={"secrets": [SECRET]})
    router.get(f"{prefix}/secrets/MY_API_KEY").respond(json={"secret": SECRET})
    create = router.post(f"{prefix}/secrets").respond(201, json={"secret": SECRET})
    update = router.put(f"{prefix}/secrets/MY_API_KEY").respond(json={"secret": SECRET})
    delete = router.delete(f"{prefix}/secrets/MY_API_KEY").respond(status_code=204)

    secrets = await cloud.secrets.list(org=org)
    assert isinstance(secrets[0], CloudSecret)
    assert secrets[0].usage_count == 1
    assert secrets[0].last_accessed_at is None
    assert secrets[0].created_at is not None
    assert secrets[0].created_at.year == 2024

    one = await cloud.secrets.get("MY_API_KEY", org=org)
    assert one.integrations[0]["name"] == "my integration"

    made = await cloud.secrets.create("MY_API_KEY", "v4lue", org=org)
    assert json_of(create.calls.last.request) == {
        "secret": {"name": "MY_API_KEY", "value": "v4lue"}
    }
    assert made.name == "MY_API_KEY"

    await cloud.secrets.update("MY_API_KEY", "n3w", org=org)
    assert json_of(update.calls.last.request) == {"secret": {"value": "n3w"}}

    assert await cloud.secrets.delete("MY_API_KEY", org=org) is True
    assert delete.call_count == 1


async def test_secret_names_are_checked(cloud: Particle) -> None:
    for bad in ("lower", "1START", "HAS-DASH", ""):
        with pytest.raises(ValueError, match="invalid secret name"):
            await cloud.secrets.create(bad, "v")
    with pytest.raises(ValueError, match="invalid secret name"):
        await cloud.secrets.update("bad name", "v")


async def test_secret_create_is_not_retried(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/secrets").mock(
        side_effect=[httpx.Response(503), httpx.Response(201, json={"secret": SECRET})]
    )
    with pytest.raises(ServerError):
        await cloud.secrets.create("MY_API_KEY", "v")
    assert route.call_count == 1
