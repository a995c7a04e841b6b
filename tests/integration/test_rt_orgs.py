"""Round trips through the SDK against the fake cloud: organizations, their products,
their teams (people and API users) and their cloud secrets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError, Particle
from particle_async.testing import FakeCloud, FakeOrg
from particle_async.testing.routes import accounts_secrets

pytestmark = pytest.mark.anyio

STRANGER = ("stranger@example.com", "pw")


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as cloud:
        acme = cloud.add_org("acme", "Acme Inc.")
        cloud.add_product(10, "acme-sensor", org="acme")
        cloud.add_product(11, "acme-gateway", org="acme")
        cloud.add_product(12, "sandbox-thing")  # not the org's
        stranger = cloud.add_user(*STRANGER)
        cloud.add_org("elsewhere", members=[stranger])
        assert acme.members == {cloud.user.username}
        yield cloud


def org_of(fake: FakeCloud, slug: str) -> FakeOrg:
    return fake.org(slug)


def sdk(fake: FakeCloud, token: str | None = None) -> Particle:
    return Particle(token=token or fake.token, base_url=fake.base_url, rate_limiter=None)


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


async def test_org_team_round_trip(fake: FakeCloud) -> None:
    mate = fake.add_user("mate@example.com", "pw")
    async with sdk(fake) as cloud:
        assert [m.username for m in await cloud.team.list(org="acme")] == [fake.user.username]
        await cloud.team.invite(mate.username, org="acme", role="Support")
        async with sdk(fake, mate.token) as teammate:
            assert [o.slug for o in await teammate.organizations.list()] == ["acme"]
            members = {m.username: m for m in await teammate.team.list(org="acme")}
        assert members[mate.username].role == "Support"
        await cloud.team.update(mate.username, org=org_of(fake, "acme").id, role="Administrator")
        roles = {m.username: m.role for m in await cloud.team.list(org="acme")}
        assert roles[mate.username] == "Administrator"

        robot = await cloud.team.create_api_user("Importer", ["sims:list"], org="acme")
        assert robot.token
        assert robot.product_id is None
        async with sdk(fake, robot.token) as bot:
            assert (await bot.organizations.get("acme")).slug == "acme"
            regenerated = await cloud.team.regenerate_token(robot.username or "", org="acme")
            assert regenerated.token
            assert regenerated.token != robot.token
            bot.use_token(regenerated.token)
            assert (await bot.tokens.current()).expires_at is None
        assert await cloud.team.remove(robot.username or "", org="acme")
        assert await cloud.team.remove(mate.username, org="acme")
        assert [m.username for m in await cloud.team.list(org="acme")] == [fake.user.username]

        with pytest.raises(NotFoundError):
            await cloud.team.remove(mate.username, org="acme")
        with pytest.raises(ForbiddenError):
            await cloud.team.list(org="elsewhere")
        with pytest.raises(NotFoundError):
            await cloud.team.invite(mate.username, org="no-such-org")
        with pytest.raises(ValueError, match="exactly one"):
            await cloud.team.list()


async def test_org_secrets_round_trip(fake: FakeCloud) -> None:
    acme = org_of(fake, "acme")
    async with sdk(fake) as cloud:
        await cloud.secrets.create("ORG_KEY", "v1", org="acme")
        await cloud.secrets.create("SANDBOX_KEY", "v1")
        assert [s.name for s in await cloud.secrets.list(org="acme")] == ["ORG_KEY"]
        assert [s.name for s in await cloud.secrets.list(org=acme.id)] == ["ORG_KEY"]
        assert [s.name for s in await cloud.secrets.list()] == ["SANDBOX_KEY"]
        await cloud.secrets.update("ORG_KEY", "v2", org="acme")
        assert accounts_secrets.read_secret(fake.state, "ORG_KEY", acme) == "v2"

        accounts_secrets.use_secret(
            fake.state, "ORG_KEY", acme, logic_function={"name": "f", "id": "lf-1"}
        )
        used = await cloud.secrets.get("ORG_KEY", org="acme")
        assert used.usage_count == 1
        assert used.last_accessed_at is not None
        with pytest.raises(BadRequestError):
            await cloud.secrets.delete("ORG_KEY", org="acme")
        await cloud.secrets.create("SPARE", "x", org="acme")
        assert await cloud.secrets.delete("SPARE", org="acme")
        with pytest.raises(NotFoundError):
            await cloud.secrets.get("SPARE", org="acme")
        with pytest.raises(NotFoundError):
            await cloud.secrets.get("SANDBOX_KEY", org="acme")  # vaults are separate
        with pytest.raises(ForbiddenError):
            await cloud.secrets.list(org="elsewhere")
        with pytest.raises(NotFoundError):
            await cloud.secrets.create("X", "y", org="no-such-org")
