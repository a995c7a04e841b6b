"""Round trips through the SDK against the fake cloud: OAuth clients, customers, product
teams and API users, MFA, cloud secrets, the account itself and its tokens."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from particle_async import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    Particle,
    UnauthorizedError,
)
from particle_async.resources.mfa import MfaRequired
from particle_async.testing import FakeCloud
from particle_async.testing.routes import accounts_secrets, accounts_user
from particle_async.testing.routes.accounts_mfa import totp

pytestmark = pytest.mark.anyio

PRODUCT, SLUG = 1001, "widget"
FOREIGN = 2002  # a product of someone else's team
OTHER = ("other@example.com", "other-secret")


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as cloud:
        cloud.add_product(PRODUCT, SLUG)
        cloud.add_product(FOREIGN, "foreign", members=[cloud.add_user(*OTHER)])
        yield cloud


def sdk(fake: FakeCloud, token: str | None = None) -> Particle:
    """No client-side rate limit: these tests make many quick calls."""
    return Particle(token=token or fake.token, base_url=fake.base_url, rate_limiter=None)


def anonymous(fake: FakeCloud) -> Particle:
    return Particle(base_url=fake.base_url, rate_limiter=None)


# -- OAuth clients -----------------------------------------------------------------------


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


# -- customers ---------------------------------------------------------------------------


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


# -- product team and API users ----------------------------------------------------------


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


# -- MFA -----------------------------------------------------------------------------------


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


# -- cloud secrets (sandbox) ----------------------------------------------------------------


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


# -- the account and its tokens -------------------------------------------------------------


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
