"""Round trips through the SDK against the fake cloud: OAuth clients of the account
and of a product."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from particle_async import ForbiddenError, NotFoundError, UnauthorizedError
from particle_async.testing import FakeCloud

from ..helpers import sdk
from .worlds import accounts
from .worlds.accounts import FOREIGN, PRODUCT, SLUG

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with accounts.cloud() as cloud:
        yield cloud


async def test_oauth_clients_of_the_account(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud:
        app = await cloud.oauth_clients.create("My App", "installed", scope=["customers:create"])
        web = await cloud.oauth_clients.create("Web", "web", redirect_uri="https://x.test/cb")
        assert app.id.startswith("my-app-")
        assert app.secret
        assert app.scope == "customers:create"
        assert (web.type, web.redirect_uri) == ("web", "https://x.test/cb")
        listed = {c.id: c for c in await cloud.oauth_clients.list()}
        assert set(listed) == {app.id, web.id}
        assert listed[app.id].name == "My App"
        assert listed[app.id].secret is None
        renamed = await cloud.oauth_clients.update(app.id, name="My App 2", scope="none")
        assert (renamed.name, renamed.scope, renamed.secret) == ("My App 2", None, None)

        assert app.secret is not None
        grant = await cloud.tokens.create_for_client(app.id, app.secret, expires_in=60)
        async with sdk(fake, grant.access_token) as owner:
            assert (await owner.user.get()).username == fake.user.username
            assert await cloud.oauth_clients.delete(app.id)
            with pytest.raises(UnauthorizedError):  # the client's tokens went with it
                await owner.user.get()
        assert [c.id for c in await cloud.oauth_clients.list()] == [web.id]
        with pytest.raises(NotFoundError):
            await cloud.oauth_clients.delete(app.id)
        with pytest.raises(NotFoundError):
            await cloud.oauth_clients.update("nope-1234", name="x")


async def test_oauth_clients_of_a_product(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud:
        made = await cloud.oauth_clients.create("Fleet", "installed", product=SLUG)
        assert made.product_id == PRODUCT
        assert [c.id for c in await cloud.oauth_clients.list(product=PRODUCT)] == [made.id]
        assert await cloud.oauth_clients.list() == []  # not one of the account's clients
        updated = await cloud.oauth_clients.update(made.id, scope="customers:create", product=SLUG)
        assert updated.scope == "customers:create"
        with pytest.raises(NotFoundError):  # the product form only reaches product clients
            await cloud.oauth_clients.delete(made.id)
        assert await cloud.oauth_clients.delete(made.id, product=PRODUCT)
        assert await cloud.oauth_clients.list(product=PRODUCT) == []
        with pytest.raises(ForbiddenError):
            await cloud.oauth_clients.list(product=FOREIGN)
        with pytest.raises(NotFoundError):
            await cloud.oauth_clients.create("x", "installed", product="no-such-product")


async def test_oauth_client_validation_follows_the_docs(fake: FakeCloud) -> None:
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with httpx.AsyncClient(base_url=fake.base_url, headers=headers) as http:
        web = await http.post("/v1/clients", json={"name": "w", "type": "web"})
        odd = await http.post("/v1/clients", data={"name": "w", "type": "desktop"})
        made = await http.post("/v1/clients", data={"name": "Form App", "type": "installed"})
    assert (web.status_code, web.json()["ok"]) == (400, False)
    assert odd.status_code == 400
    assert made.status_code == 200
    assert made.json()["ok"] is True
    assert set(made.json()["client"]) == {"name", "type", "id", "secret"}
