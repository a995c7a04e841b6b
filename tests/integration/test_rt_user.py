"""Round trips through the SDK against the fake cloud: the account itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, UnauthorizedError
from particle_async.testing import FakeCloud
from particle_async.testing.routes import accounts_user

from ..helpers import anonymous, sdk
from .worlds import accounts

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with accounts.cloud() as cloud:
        yield cloud


async def test_sign_up_identity_reset_and_delete(fake: FakeCloud) -> None:
    outbox = fake.area(accounts_user.UserArea).outbox
    async with anonymous(fake) as public:
        assert await public.user.create("new@x.test", "pw-1", account_info={"first_name": "Ann"})
        with pytest.raises(BadRequestError):
            await public.user.create("new@x.test", "pw-1")
        grant = await public.tokens.create("new@x.test", "pw-1")
        async with sdk(fake, grant.access_token) as me:
            user = await me.user.get()
            assert user.account_info["first_name"] == "Ann"
            brief = await me.user.tracking_identity()
            full = await me.user.tracking_identity(full=True)
            assert brief.id
            assert (brief.id, brief.email) == (full.id, None)
            assert full.email == "new@x.test"

            assert await public.user.reset_password("new@x.test")
            assert await public.user.reset_password("nobody@x.test")  # says nothing either way
            assert [to for to, _ in outbox] == ["new@x.test"]
            token = outbox[-1][1]
            with pytest.raises(BadRequestError):
                await public.user.complete_password_reset("bogus", "pw-2")
            assert await public.user.complete_password_reset(token, "pw-2")
            with pytest.raises(BadRequestError):  # a reset token works once
                await public.user.complete_password_reset(token, "pw-3")
            await public.tokens.create("new@x.test", "pw-2")

            with pytest.raises(BadRequestError):
                await me.user.delete("pw-1")
            assert await me.user.delete("pw-2")
            with pytest.raises(UnauthorizedError):
                await me.user.get()
        with pytest.raises(BadRequestError):
            await public.tokens.create("new@x.test", "pw-2")
