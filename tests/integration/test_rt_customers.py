"""Round trips through the SDK against the fake cloud: product customers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError
from particle_async.testing import FakeCloud

from ..helpers import anonymous, sdk
from .worlds import accounts
from .worlds.accounts import FOREIGN, PRODUCT, SLUG

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with accounts.cloud() as cloud:
        yield cloud


async def test_customers_round_trip(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud, anonymous(fake) as public:
        client = await cloud.oauth_clients.create("Shop", "installed", product=PRODUCT)
        assert client.secret is not None
        keys = {"client_id": client.id, "client_secret": client.secret}
        shadow = await public.customers.create(SLUG, "shadow@x.test", no_password=True, **keys)
        simple = await cloud.customers.create(PRODUCT, "simple@x.test", "pw-1")
        for n in range(3):
            await public.customers.create(PRODUCT, f"c{n}@x.test", "pw", **keys)
        device = fake.add_device("toaster", owner="simple@x.test", product_id=PRODUCT)

        scoped = await public.customers.create_token("shadow@x.test", expires_in=120, **keys)
        for grant, email in [(shadow, "shadow@x.test"), (scoped, "shadow@x.test")]:
            async with sdk(fake, grant.access_token) as customer:
                assert (await customer.user.get()).username == email
        assert scoped.expires_in == 120

        before = len(fake.requests)
        everyone = await cloud.customers.iter(SLUG, per_page=2).collect()
        assert len(fake.requests) - before == 3  # pages of 2, 2 and 1
        assert [c.username for c in everyone] == [
            "shadow@x.test",
            "simple@x.test",
            "c0@x.test",
            "c1@x.test",
            "c2@x.test",
        ]
        assert everyone[1].devices == (device.id,)
        first = await cloud.customers.list(PRODUCT, per_page=2)
        assert (first.total_pages, first.is_last) == (3, False)

        assert await cloud.customers.set_password(PRODUCT, "simple@x.test", "pw-2")
        await public.tokens.create("simple@x.test", "pw-2")
        with pytest.raises(BadRequestError):
            await public.tokens.create("simple@x.test", "pw-1")

        assert await cloud.customers.delete(SLUG, "simple@x.test")
        async with sdk(fake, simple.access_token) as gone:
            with pytest.raises(UnauthorizedError):
                await gone.user.get()
        assert len(await cloud.customers.iter(PRODUCT).collect()) == 4
        assert device.owner is None
        with pytest.raises(NotFoundError):
            await cloud.customers.delete(PRODUCT, "simple@x.test")


async def test_customer_errors(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud, anonymous(fake) as public:
        client = await cloud.oauth_clients.create("Shop", "installed", product=PRODUCT)
        mine = await cloud.oauth_clients.create("Mine", "installed")
        assert client.secret is not None
        assert mine.secret is not None
        keys = {"client_id": client.id, "client_secret": client.secret}
        grant = await public.customers.create(PRODUCT, "a@x.test", "pw", **keys)
        with pytest.raises(BadRequestError):  # exists already
            await public.customers.create(PRODUCT, "a@x.test", "pw", **keys)
        with pytest.raises(ForbiddenError):  # the client belongs to another product
            await public.customers.create(FOREIGN, "b@x.test", "pw", **keys)
        with pytest.raises(UnauthorizedError):
            await public.customers.create(PRODUCT, "b@x.test", "pw", client_id=client.id,
                                          client_secret="wrong")  # fmt: skip
        with pytest.raises(BadRequestError) as unknown:
            await public.customers.create_token("nobody@x.test", **keys)
        assert unknown.value.error == "invalid_grant"
        with pytest.raises(BadRequestError) as sandbox_client:
            await public.customers.create_token(
                "a@x.test", client_id=mine.id, client_secret=mine.secret
            )
        assert sandbox_client.value.error == "unauthorized_client"
        with pytest.raises(ForbiddenError):
            await cloud.customers.list(FOREIGN)
        with pytest.raises(NotFoundError):
            await cloud.customers.list("no-such-product")
        with pytest.raises(NotFoundError):
            await cloud.customers.set_password(PRODUCT, "nobody@x.test", "pw")
        async with sdk(fake, grant.access_token) as customer:  # not on the product team
            with pytest.raises(ForbiddenError):
                await customer.customers.set_password(PRODUCT, "a@x.test", "pw-2")
