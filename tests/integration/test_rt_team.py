"""Round trips through the SDK against the fake cloud: product teams and API users, and
org teams (people and API users) on a cloud with organizations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError
from particle_async.testing import FakeCloud

from ..helpers import sdk
from .worlds import accounts, orgs
from .worlds.accounts import FOREIGN, PRODUCT, SLUG
from .worlds.orgs import org_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with accounts.cloud() as cloud:
        yield cloud


async def test_product_team_round_trip(fake: FakeCloud) -> None:
    mate = fake.add_user("mate@example.com", "pw")
    async with sdk(fake) as cloud:
        assert [m.username for m in await cloud.team.list(PRODUCT)] == [fake.user.username]
        invited = await cloud.team.invite("mate@example.com", SLUG, role="Developer")
        assert invited.username == mate.username
        members = {m.username: m for m in await cloud.team.list(PRODUCT)}
        assert members[mate.username].role == "Developer"
        assert members[mate.username].id == mate.id
        updated = await cloud.team.update(mate.username, PRODUCT, role="View-only")
        assert updated.role == "View-only"
        async with sdk(fake, mate.token) as teammate:  # the invitation is accepted at once
            assert [m.username for m in await teammate.team.list(PRODUCT)] == sorted(members)
        assert await cloud.team.remove(mate.username, SLUG)
        assert [m.username for m in await cloud.team.list(PRODUCT)] == [fake.user.username]

        with pytest.raises(BadRequestError):
            await cloud.team.invite(fake.user.username, PRODUCT)  # a member already
        with pytest.raises(NotFoundError):
            await cloud.team.invite("stranger@example.com", PRODUCT)
        with pytest.raises(NotFoundError):
            await cloud.team.remove(mate.username, PRODUCT)
        with pytest.raises(BadRequestError):
            await cloud.team.update(fake.user.username, PRODUCT, role="Overlord")
        with pytest.raises(ForbiddenError):
            await cloud.team.list(FOREIGN)
        with pytest.raises(NotFoundError):
            await cloud.team.list("no-such-product")


async def test_api_users_and_their_tokens(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud:
        robot = await cloud.team.create_api_user("CI bot", ["devices:list"], PRODUCT)
        assert robot.is_programmatic
        assert robot.token
        assert robot.username is not None
        assert robot.username.endswith("@api.particle.io")
        listed = {m.username: m for m in await cloud.team.list(SLUG)}
        assert listed[robot.username].scopes == ("devices:list",)
        assert listed[robot.username].product_id == PRODUCT
        assert listed[robot.username].token is None  # tokens only in the answers that make them

        async with sdk(fake, robot.token) as bot:
            current = await bot.tokens.current()
            assert current.expires_at is None  # API user tokens never expire
            assert (await bot.products.get(PRODUCT)).id == PRODUCT

            renamed = await cloud.team.update(robot.username, PRODUCT, friendly_name="CI")
            assert (renamed.friendly_name, renamed.token) == ("CI", None)
            rescoped = await cloud.team.update(robot.username, PRODUCT, scopes=["devices:get"])
            assert rescoped.token
            assert rescoped.token != robot.token
            assert rescoped.scopes == ("devices:get",)
            with pytest.raises(UnauthorizedError):  # new scopes, new token
                await bot.products.get(PRODUCT)
            bot.use_token(rescoped.token)
            regenerated = await cloud.team.regenerate_token(robot.username, SLUG)
            assert regenerated.token
            assert regenerated.token != rescoped.token
            with pytest.raises(UnauthorizedError):
                await bot.products.get(PRODUCT)
            bot.use_token(regenerated.token)
            assert await cloud.team.remove(robot.username, PRODUCT)
            with pytest.raises(UnauthorizedError):  # deleted with its seat
                await bot.products.get(PRODUCT)
        with pytest.raises(BadRequestError):
            await cloud.team.regenerate_token(fake.user.username, PRODUCT)  # a person
        with pytest.raises(BadRequestError):
            await cloud.team.create_api_user("empty", [], PRODUCT)


class TestOrgTeams:
    """Org teams, on a cloud with organizations (its own `fake`)."""

    @pytest.fixture
    def fake(self) -> Iterator[FakeCloud]:
        with orgs.cloud() as cloud:
            yield cloud

    async def test_org_team_round_trip(self, fake: FakeCloud) -> None:
        mate = fake.add_user("mate@example.com", "pw")
        async with sdk(fake) as cloud:
            assert [m.username for m in await cloud.team.list(org="acme")] == [fake.user.username]
            await cloud.team.invite(mate.username, org="acme", role="Support")
            async with sdk(fake, mate.token) as teammate:
                assert [o.slug for o in await teammate.organizations.list()] == ["acme"]
                members = {m.username: m for m in await teammate.team.list(org="acme")}
            assert members[mate.username].role == "Support"
            await cloud.team.update(
                mate.username, org=org_of(fake, "acme").id, role="Administrator"
            )
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
