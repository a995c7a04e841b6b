"""Round trips through the SDK against the fake cloud: organizations and their products."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud

from ..helpers import sdk
from .worlds import orgs
from .worlds.orgs import org_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with orgs.cloud() as cloud:
        yield cloud


async def test_organizations_and_their_products(fake: FakeCloud) -> None:
    acme = org_of(fake, "acme")
    async with sdk(fake) as cloud:
        listed = await cloud.organizations.list()
        assert [(o.id, o.slug, o.name) for o in listed] == [(acme.id, "acme", "Acme Inc.")]
        assert (await cloud.organizations.get("acme")).id == acme.id
        assert (await cloud.organizations.get(acme.id)).slug == "acme"  # ID or slug
        products = await cloud.organizations.list_products("acme")
        assert sorted((p.id, p.slug) for p in products) == [
            (10, "acme-sensor"),
            (11, "acme-gateway"),
        ]
        assert {p.organization for p in products} == {acme.id}
        assert (await cloud.products.get(products[0].slug or "")).id == products[0].id

        with pytest.raises(NotFoundError):
            await cloud.organizations.get("no-such-org")
        with pytest.raises(ForbiddenError):
            await cloud.organizations.get("elsewhere")
        with pytest.raises(ForbiddenError):
            await cloud.organizations.list_products("elsewhere")
    fresh = fake.add_user("fresh@example.com", "pw")
    async with sdk(fake, fresh.token) as newcomer:
        assert await newcomer.organizations.list() == []
