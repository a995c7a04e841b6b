"""Round trips through the SDK against the fake cloud: ledger definitions, instances and
versions (paged back in time), logic functions with runs from real published events, and
environment variables across sandbox, org, product and device scopes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError, Particle
from particle_async.testing import FakeCloud

pytestmark = pytest.mark.anyio

STRANGER = ("stranger@example.com", "pw")
LOGGER = 'export default function main() { console.log("got temp"); }'
THROWER = 'export default function main() { console.warn("hmm"); throw new Error("x"); }'


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as cloud:
        stranger = cloud.add_user(*STRANGER)
        cloud.add_org("acme", "Acme Inc.")
        cloud.add_org("elsewhere", members=[stranger])
        cloud.add_product(77, "widget", org="acme")
        cloud.add_product(88, "theirs", members=[stranger])
        cloud.add_device("alpha")
        cloud.add_device("beta")
        cloud.add_device("member", product_id=77)
        cloud.add_device("theirs", owner=stranger)
        yield cloud


def sdk(fake: FakeCloud) -> Particle:
    return Particle(token=fake.token, base_url=fake.base_url, rate_limiter=None)


# -- ledger ------------------------------------------------------------------------------


async def test_ledger_definitions(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud:
        made = await cloud.ledger.create("cfg-a", scope="Owner", direction="Downstream")
        assert (made.name, made.scope, made.direction, made.archived) == (
            "cfg-a",
            "Owner",
            "Downstream",
            False,
        )
        for name in ("cfg-b", "cfg-c"):
            await cloud.ledger.create(name, scope="Device", direction="Upstream", description=name)
        assert (await cloud.ledger.get("cfg-b")).description == "cfg-b"
        every = await cloud.ledger.iter(per_page=2).collect()
        assert [d.name for d in every] == ["cfg-a", "cfg-b", "cfg-c"]
        assert [d.name for d in await cloud.ledger.iter(scope="Device").collect()] == [
            "cfg-b",
            "cfg-c",
        ]
        first = await cloud.ledger.list(page=1, per_page=2)
        assert (first.total, first.total_pages, len(first.items)) == (3, 2, 2)

        changed = await cloud.ledger.update("cfg-a", description="new", direction="Upstream")
        assert (changed.description, changed.direction) == ("new", "Upstream")
        assert await cloud.ledger.archive("cfg-c")
        assert [d.name for d in await cloud.ledger.iter().collect()] == ["cfg-a", "cfg-b"]
        archived = await cloud.ledger.iter(archived=True).collect()
        assert [(d.name, d.archived) for d in archived] == [("cfg-c", True)]

        with pytest.raises(BadRequestError, match="already exists"):
            await cloud.ledger.create("cfg-a", scope="Owner", direction="Downstream")
        with pytest.raises(BadRequestError, match="scope must be one of"):
            await cloud.ledger.create("cfg-x", scope="Galaxy", direction="Downstream")
        with pytest.raises(BadRequestError, match="lowercase"):
            await cloud.ledger.create("Bad Name", scope="Owner", direction="Downstream")
        with pytest.raises(NotFoundError):
            await cloud.ledger.get("nope")


async def test_ledger_owners(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud:
        await cloud.ledger.create("org-cfg", scope="Product", direction="Downstream", org="acme")
        assert (await cloud.ledger.get("org-cfg", org="acme")).scope == "Product"
        assert [d.name for d in await cloud.ledger.iter(org="acme").collect()] == ["org-cfg"]
        with pytest.raises(NotFoundError):
            await cloud.ledger.get("org-cfg")  # not in the sandbox
        await cloud.ledger.create("prod-cfg", scope="Device", direction="Upstream", product=77)
        assert [d.name for d in await cloud.ledger.iter(product="widget").collect()] == ["prod-cfg"]
        instance = await cloud.ledger.set_instance("org-cfg", "77", {"k": 1}, org="acme")
        assert instance.scope is not None
        assert (instance.scope.type, instance.scope.value, instance.scope.name) == (
            "Product",
            "77",
            "widget",
        )
        with pytest.raises(ForbiddenError):
            await cloud.ledger.iter(org="elsewhere").collect()
        with pytest.raises(ForbiddenError):
            await cloud.ledger.iter(product=88).collect()
        with pytest.raises(NotFoundError):
            await cloud.ledger.iter(org="no-such-org").collect()


async def test_ledger_instances_and_versions(fake: FakeCloud) -> None:
    alpha, beta = fake.device("alpha"), fake.device("beta")
    async with sdk(fake) as cloud:
        await cloud.ledger.create("device-cfg", scope="Device", direction="Downstream")
        first = await cloud.ledger.set_instance("device-cfg", alpha.id, {"a": 1})
        assert (first.name, first.data, first.size_bytes) == ("device-cfg", {"a": 1}, 7)
        assert first.scope is not None
        assert (first.scope.value, first.scope.name) == (
            alpha.id,
            "alpha",
        )
        merged = await cloud.ledger.set_instance("device-cfg", alpha.id, {"b": 2}, merge=True)
        assert merged.data == {"a": 1, "b": 2}
        replaced = await cloud.ledger.set_instance("device-cfg", alpha.id, {"c": 3})
        assert replaced.data == {"c": 3}
        assert replaced.created_at == first.created_at
        await cloud.ledger.set_instance("device-cfg", beta.id, {"z": 0})
        assert (await cloud.ledger.get_instance("device-cfg", alpha.id)).data == {"c": 3}
        instances = await cloud.ledger.iter_instances("device-cfg", per_page=1).collect()
        assert sorted(i.scope.value for i in instances if i.scope) == sorted([alpha.id, beta.id])

        for n in range(25):
            await cloud.ledger.set_instance("device-cfg", alpha.id, {"n": n})
        page = await cloud.ledger.list_instance_versions("device-cfg", alpha.id)
        assert len(page.items) == 10
        assert page.has_more
        versions = await cloud.ledger.iter_instance_versions("device-cfg", alpha.id).collect()
        assert len(versions) == 27  # every replaced state, newest first
        assert [v.data for v in versions[:2]] == [{"n": 23}, {"n": 22}]
        assert [v.data for v in versions[-3:]] == [{"c": 3}, {"a": 1, "b": 2}, {"a": 1}]
        stamps = [v.replaced_at for v in versions]
        assert stamps == sorted(stamps, reverse=True)
        assert len(set(stamps)) == 27
        assert len({v.version for v in versions}) == 27
        oldest = await cloud.ledger.get_instance_version(
            "device-cfg", alpha.id, versions[-1].version or ""
        )
        assert oldest.data == {"a": 1}
        newer = await cloud.ledger.list_instance_versions(
            "device-cfg", alpha.id, replaced_after=versions[5].raw["replaced_at"]
        )
        assert [v.data for v in newer.items] == [v.data for v in versions[:5]]
        assert newer.has_more is False

        assert await cloud.ledger.delete_instance("device-cfg", alpha.id)
        with pytest.raises(NotFoundError):
            await cloud.ledger.get_instance("device-cfg", alpha.id)
        after = await cloud.ledger.iter_instance_versions("device-cfg", alpha.id).collect()
        assert len(after) == 28
        assert after[0].data == {"n": 24}
        with pytest.raises(NotFoundError):
            await cloud.ledger.get_instance_version("device-cfg", alpha.id, "0" * 24)
        assert await cloud.ledger.archive("device-cfg")
        with pytest.raises(BadRequestError, match="archived"):
            await cloud.ledger.set_instance("device-cfg", beta.id, {"z": 1})


# -- logic -------------------------------------------------------------------------------


async def test_logic_functions_run_on_events(fake: FakeCloud) -> None:
    alpha, theirs = fake.device("alpha"), fake.device("theirs")
    async with sdk(fake) as cloud:
        alpha.publish("temp", "before the function existed")
        fn = await cloud.logic.create(
            "temp-logger", LOGGER, triggers=[{"type": "Event", "event_name": "temp"}]
        )
        assert (fn.name, fn.code, fn.enabled, fn.version) == ("temp-logger", LOGGER, True, 1)
        trigger = fn.triggers[0]
        assert trigger.id
        assert trigger.logic_function_id == fn.id
        assert trigger.type == "Event"
        assert (await cloud.logic.get(fn.id)).triggers[0].id == trigger.id
        listed = await cloud.logic.list(today_stats=True)
        assert [f.id for f in listed] == [fn.id]
        assert listed[0].today_stats is not None
        assert listed[0].today_stats.success == 0

        alpha.publish("temperature", "21.5")
        alpha.publish("humidity", "40")  # no match
        theirs.publish("temp", "not our device")
        runs = await cloud.logic.list_runs(fn.id)
        assert [(r.status, r.logic_trigger_id, r.logic_trigger_type) for r in runs] == [
            ("Success", trigger.id, "Event")
        ]
        assert (await cloud.logic.get_run(fn.id, runs[0].id)).status == "Success"
        logs = await cloud.logic.get_run_logs(fn.id, runs[0].id)
        assert [(line.level, line.args) for line in logs] == [("Info", ("got temp",))]

        updated = await cloud.logic.update(
            fn.id, code=THROWER, triggers=[{**trigger.raw, "event_name": "temp"}]
        )
        assert updated.version == 2
        assert updated.triggers[0].id == trigger.id
        alpha.publish("temp", "again")
        runs = await cloud.logic.list_runs(fn.id)
        assert [r.status for r in runs] == ["Exception", "Success"]
        stats = await cloud.logic.stats(fn.id)
        assert (stats.totals.success, stats.totals.failure, len(stats.days)) == (1, 1, 1)
        today = (await cloud.logic.list(today_stats=True))[0].today_stats
        assert today is not None
        assert (today.success, today.failure) == (1, 1)

        disabled = await cloud.logic.update(fn.id, enabled=False)
        assert not disabled.enabled
        alpha.publish("temp", "while disabled")
        assert len(await cloud.logic.list_runs(fn.id)) == 2

        assert await cloud.logic.delete(fn.id)
        with pytest.raises(NotFoundError):
            await cloud.logic.get(fn.id)
        with pytest.raises(NotFoundError):
            await cloud.logic.get_run(fn.id, runs[0].id)


async def test_logic_execute_owners_and_errors(fake: FakeCloud) -> None:
    member = fake.device("member")
    async with sdk(fake) as cloud:
        ran = await cloud.logic.execute(LOGGER, event={"event_name": "temp", "event_data": "1"})
        assert ran.succeeded
        assert [line.args for line in ran.logs] == [("got temp",)]
        failed = await cloud.logic.execute(THROWER, org="acme")
        assert failed.status == "Exception"
        assert [line.level for line in failed.logs] == ["Warn", "Error"]

        product_fn = await cloud.logic.create(
            "fleet",
            LOGGER,
            triggers=[{"type": "Event", "event_name": "t", "product_id": 77}],
            org="acme",
        )
        assert product_fn.owner_id
        assert product_fn.owner_id.startswith("org:")
        assert [f.id for f in await cloud.logic.list(org="acme")] == [product_fn.id]
        assert await cloud.logic.list() == []
        member.publish("t", "from the product")
        runs = await cloud.logic.list_runs(product_fn.id, org="acme")
        assert [r.status for r in runs] == ["Success"]
        with pytest.raises(NotFoundError):
            await cloud.logic.get(product_fn.id)  # sandbox: not there

        scheduled = await cloud.logic.create(
            "nightly", LOGGER, triggers=[{"type": "Scheduled", "cron": "0 0 * * *"}], product=77
        )
        assert scheduled.triggers[0].cron == "0 0 * * *"
        assert await cloud.logic.list_runs(scheduled.id, product=77) == []
        assert (await cloud.logic.stats(scheduled.id, product=77)).days == ()

        with pytest.raises(BadRequestError, match="cron"):
            await cloud.logic.create("bad", LOGGER, triggers=[{"type": "Scheduled"}])
        with pytest.raises(BadRequestError, match="already exists"):
            await cloud.logic.create("fleet", LOGGER, org="acme")
        with pytest.raises(BadRequestError, match=r"source\.code"):
            await cloud.logic.execute("")
        with pytest.raises(ForbiddenError):
            await cloud.logic.list(org="elsewhere")
        with pytest.raises(ForbiddenError):
            await cloud.logic.list(product=88)


# -- environment variables ---------------------------------------------------------------


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
