"""Round trips through the SDK against the fake cloud: environment variables across
sandbox, org, product and device scopes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud

from ..helpers import sdk
from .worlds import ledger_logic_env

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with ledger_logic_env.cloud() as cloud:
        yield cloud


async def test_env_vars_edit_render_and_roll_out(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud:
        state = await cloud.env_vars.set("FOO", "1")
        assert state.latest is not None
        assert state.latest.own == {"FOO": "1"}
        assert state.last_snapshot is None
        state = await cloud.env_vars.update(set_values={"BAR": "2", "BAZ": "3"}, unset_keys=["FOO"])
        assert state.latest is not None
        assert state.latest.own == {"BAR": "2", "BAZ": "3"}
        assert state.latest.updated_by == fake.user.username
        state = await cloud.env_vars.delete("BAZ")
        assert state.latest is not None
        assert state.latest.own == {"BAR": "2"}
        assert (await cloud.env_vars.list()).latest == state.latest
        assert (await cloud.env_vars.render()).env == {"BAR": "2"}

        review = await cloud.env_vars.review_rollout()
        assert review.from_snapshot is not None
        assert review.from_device is None
        assert [(c.op, c.key, c.after) for c in review.from_snapshot.changes] == [
            ("Added", "BAR", "2")
        ]
        assert await cloud.env_vars.start_rollout()
        snapshot = (await cloud.env_vars.list()).last_snapshot
        assert snapshot is not None
        assert snapshot.own == {"BAR": "2"}
        assert snapshot.rollout_by == fake.user.username
        rendered = await cloud.env_vars.render()
        assert rendered.rollout_at == snapshot.rollout_at
        await cloud.env_vars.set("BAR", "22")
        changes = (await cloud.env_vars.review_rollout()).from_snapshot
        assert changes is not None
        assert [(c.op, c.before, c.after) for c in changes.changes] == [("Changed", "2", "22")]

        with pytest.raises(NotFoundError):
            await cloud.env_vars.delete("NOPE")
        with pytest.raises(BadRequestError, match="Invalid environment variable name"):
            await cloud.env_vars.set("1BAD", "x")
        with pytest.raises(BadRequestError, match="Set or Unset"):
            await cloud.env_vars.update([{"op": "Frob", "key": "X"}])
        with pytest.raises(BadRequestError, match="Immediate or Connect"):
            await cloud.env_vars.start_rollout(when="Later")


async def test_env_vars_inherit_and_reach_devices(fake: FakeCloud) -> None:
    member, alpha, theirs = fake.device("member"), fake.device("alpha"), fake.device("theirs")
    async with sdk(fake) as cloud:
        await cloud.env_vars.update(set_values={"LEVEL": "org", "SHARED": "org"}, org="acme")
        await cloud.env_vars.set("SHARED", "product", product="widget")
        state = await cloud.env_vars.set("DEV", "1", device_id=member.id)
        assert state.latest is not None
        assert state.latest.own == {"DEV": "1"}
        inherited = {k: (v.source, v.value) for k, v in state.latest.inherited.items()}
        assert inherited == {"LEVEL": ("Owner", "org"), "SHARED": ("Product", "product")}
        expected = {"DEV": "1", "LEVEL": "org", "SHARED": "product"}
        assert (await cloud.env_vars.render(device_id=member.id)).env == expected
        assert state.latest.effective == expected
        product_state = await cloud.env_vars.list(product=77)
        assert product_state.latest is not None
        assert {k: v.source for k, v in product_state.latest.inherited.items()} == {
            "LEVEL": "Owner",
            "SHARED": "Owner",
        }

        before = await cloud.env_vars.review_rollout(device_id=member.id)
        assert before.from_device is not None
        assert [c.op for c in before.from_device.changes] == ["Added", "Added", "Added"]
        assert await cloud.env_vars.start_rollout(product="widget", when="Immediate")
        reported = await cloud.env_vars.list(device_id=member.id)
        assert reported.on_device is not None
        assert reported.on_device.rendered == expected
        after = await cloud.env_vars.review_rollout(device_id=member.id)
        assert after.from_device is not None
        assert after.from_device.changes == ()
        assert after.from_device.unchanged == expected

        await cloud.env_vars.set("HOME_VAR", "sandbox")  # a non-product device's owner
        alpha_env = await cloud.env_vars.render(device_id=alpha.id)
        assert alpha_env.env == {"HOME_VAR": "sandbox"}
        assert await cloud.env_vars.start_rollout(when="Connect")
        assert (await cloud.env_vars.list(device_id=alpha.id)).on_device is None

        with pytest.raises(ForbiddenError):
            await cloud.env_vars.list(device_id=theirs.id)
        with pytest.raises(NotFoundError):
            await cloud.env_vars.list(device_id="0" * 24)
        with pytest.raises(ForbiddenError):
            await cloud.env_vars.list(org="elsewhere")
