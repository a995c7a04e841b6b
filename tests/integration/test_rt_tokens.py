"""Round trips through the SDK against the fake cloud: the current token and revoking all;
and on the `fake_cloud` fixture, creating, listing and deleting tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import NOT_GIVEN, Particle, UnauthorizedError
from particle_async.testing import FakeCloud

from ..helpers import anonymous, sdk
from .worlds import accounts

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with accounts.cloud() as cloud:
        yield cloud


async def test_current_token_and_revoking_all(fake: FakeCloud) -> None:
    async with anonymous(fake) as public:
        first = await public.tokens.create(fake.user.username, "password", expires_in=3600)
        second = await public.tokens.create(fake.user.username, "password")
    async with sdk(fake, first.access_token) as cloud:
        current = await cloud.tokens.current()
        assert current.client_name == "particle"
        assert current.expires_at is not None
        assert current.scopes == ()
        assert current.orgs == ()
        assert await cloud.tokens.delete_all()
        with pytest.raises(UnauthorizedError):
            await cloud.tokens.current()
        cloud.use_token(second.access_token)
        with pytest.raises(UnauthorizedError):
            await cloud.user.get()


async def test_tokens_and_user(fake_cloud: FakeCloud) -> None:
    async with Particle(base_url=fake_cloud.base_url) as anonymous:
        grant = await anonymous.tokens.create("user@example.com", "password", expires_in=3600)
        assert len(grant.access_token) >= 32
        tokens = await anonymous.tokens.list("user@example.com", "password")
        assert grant.access_token in [t.token for t in tokens]
        async with sdk(fake_cloud, rate_limiter=NOT_GIVEN) as cloud:
            cloud.use_token(grant.access_token)
            assert (await cloud.user.get()).username == "user@example.com"
            assert await cloud.tokens.delete_current()
            with pytest.raises(UnauthorizedError):
                await cloud.user.get()
