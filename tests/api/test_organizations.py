"""`cloud.organizations`: your organizations and their products."""

from __future__ import annotations

import pytest
import respx

from particle_async import Particle
from particle_async.models.organizations import Organization, OrganizationProduct

pytestmark = pytest.mark.anyio


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
