"""Round trips through the SDK against the fake cloud: ledger definitions, instances and
versions (paged back in time)."""

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
