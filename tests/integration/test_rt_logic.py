"""Round trips through the SDK against the fake cloud: logic functions with runs from real
published events."""

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


LOGGER = 'export default function main() { console.log("got temp"); }'
THROWER = 'export default function main() { console.warn("hmm"); throw new Error("x"); }'


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
