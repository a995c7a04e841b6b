"""Round trips through the SDK against the fake cloud: sandbox cloud secrets (and the
docs' body shapes), and org secrets on a cloud with organizations."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud
from particle_async.testing.routes import accounts_secrets

from ..helpers import anonymous, sdk
from .worlds import accounts, orgs
from .worlds.accounts import OTHER
from .worlds.orgs import org_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with accounts.cloud() as cloud:
        yield cloud


async def test_sandbox_secrets_round_trip(fake: FakeCloud) -> None:
    vaults = fake.area(accounts_secrets.SecretsArea).vaults
    async with sdk(fake) as cloud:
        created = await cloud.secrets.create("API_KEY", "s3cret")
        assert created.name == "API_KEY"
        assert created.created_at is not None
        assert "s3cret" not in repr(await cloud.secrets.get("API_KEY"))
        await cloud.secrets.create("OTHER_KEY", "x")
        assert [s.name for s in await cloud.secrets.list()] == ["API_KEY", "OTHER_KEY"]
        updated = await cloud.secrets.update("API_KEY", "rotated")
        assert updated.updated_at is not None
        assert updated.updated_at >= created.created_at
        assert vaults[("user", fake.user.id)]["API_KEY"].value == "rotated"
        await cloud.secrets.update("NEW_KEY", "made by PUT")  # `particle secrets set` relies on it
        assert (await cloud.secrets.get("NEW_KEY")).usage_count == 0

        accounts_secrets.use_secret(
            fake.state, "API_KEY", fake.user, integration={"name": "hook", "id": "1"}
        )
        in_use = await cloud.secrets.get("API_KEY")
        assert in_use.usage_count == 1
        assert in_use.integrations[0]["name"] == "hook"
        with pytest.raises(BadRequestError):
            await cloud.secrets.delete("API_KEY")
        assert accounts_secrets.read_secret(fake.state, "API_KEY", fake.user) == "rotated"
        assert (await cloud.secrets.get("API_KEY")).last_accessed_at is not None

        assert await cloud.secrets.delete("OTHER_KEY")
        with pytest.raises(NotFoundError):
            await cloud.secrets.get("OTHER_KEY")
        with pytest.raises(NotFoundError):
            await cloud.secrets.delete("OTHER_KEY")
        with pytest.raises(BadRequestError):
            await cloud.secrets.create("API_KEY", "again")
        async with sdk(fake, fake.user.token) as same, anonymous(fake) as public:
            grant = await public.tokens.create(*OTHER)
            async with sdk(fake, grant.access_token) as stranger:
                assert await stranger.secrets.list() == []  # each sandbox has its own
            assert len(await same.secrets.list()) == 2


async def test_secret_bodies_and_names_follow_the_docs(fake: FakeCloud) -> None:
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with httpx.AsyncClient(base_url=fake.base_url, headers=headers) as http:
        bad = await http.post("/v1/secrets", json={"secret": {"name": "lower", "value": "v"}})
        flat = await http.post("/v1/secrets", json={"name": "FLAT", "value": "v"})
        empty = await http.put("/v1/secrets/FLAT", json={"secret": {"value": ""}})
        gone = await http.delete("/v1/secrets/FLAT")
    assert bad.status_code == 400
    assert flat.status_code == 201
    assert set(flat.json()["secret"]) == {
        "name",
        "created_at",
        "updated_at",
        "last_accessed_at",
        "integrations",
        "logic_functions",
    }
    assert empty.status_code == 400
    assert (gone.status_code, gone.content) == (204, b"")


class TestOrgSecrets:
    """Org secrets, on a cloud with organizations (its own `fake`)."""

    @pytest.fixture
    def fake(self) -> Iterator[FakeCloud]:
        with orgs.cloud() as cloud:
            yield cloud

    async def test_org_secrets_round_trip(self, fake: FakeCloud) -> None:
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
