"""Round trips through the SDK against the fake cloud: MFA enrolment and login."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, UnauthorizedError
from particle_async.resources.mfa import MfaRequired
from particle_async.testing import FakeCloud
from particle_async.testing.routes.accounts_mfa import totp

from ..helpers import anonymous, sdk
from .worlds import accounts

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with accounts.cloud() as cloud:
        yield cloud


async def test_mfa_enrolment_and_login(fake: FakeCloud) -> None:
    username, password = fake.user.username, "password"
    async with sdk(fake) as cloud, anonymous(fake) as public:
        other = await public.tokens.create(username, password)
        enrolment = await cloud.mfa.enable()
        assert enrolment.secret
        assert enrolment.mfa_token
        assert enrolment.qr_url
        with pytest.raises(BadRequestError):
            await cloud.mfa.confirm(enrolment.mfa_token, "nope")
        confirmed = await cloud.mfa.confirm(
            enrolment.mfa_token, totp(enrolment.secret), invalidate_tokens=True
        )
        assert confirmed.enrolled
        assert len(confirmed.tokens) == 10
        assert (await cloud.user.get()).username == username  # the calling token survives
        async with sdk(fake, other.access_token) as elsewhere:
            with pytest.raises(UnauthorizedError):
                await elsewhere.user.get()

        with pytest.raises(MfaRequired) as needed:
            await public.tokens.create(username, password)
        assert needed.value.status == 403
        assert needed.value.error == "mfa_required"
        with pytest.raises(BadRequestError):
            await public.mfa.login(needed.value.mfa_token, "not-a-code")
        grant = await public.mfa.login(needed.value.mfa_token, totp(enrolment.secret))
        async with sdk(fake, grant.access_token) as me:
            assert (await me.user.get()).username == username
        with pytest.raises(BadRequestError):  # the login's mfa_token is spent
            await public.mfa.login(needed.value.mfa_token, totp(enrolment.secret))

        assert (
            await public.tokens.create(username, password, otp=totp(enrolment.secret))
        ).access_token
        code = confirmed.tokens[0]
        assert await public.tokens.create(username, password, otp=code)  # a recovery code...
        with pytest.raises(BadRequestError):
            await public.tokens.create(username, password, otp=code)  # ...works once
        with pytest.raises(BadRequestError):
            await public.tokens.create(username, "wrong", otp=totp(enrolment.secret))

        with pytest.raises(BadRequestError):
            await cloud.mfa.enable()  # already on
        with pytest.raises(BadRequestError):
            await cloud.mfa.disable("wrong")
        assert await cloud.mfa.disable(password)
        assert (await public.tokens.create(username, password)).access_token
        with pytest.raises(BadRequestError):
            await cloud.mfa.disable(password)  # already off
