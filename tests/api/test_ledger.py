"""`cloud.ledger`: definitions, instances and versions, in every owner scope."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
import respx

from particle_async import Particle
from particle_async.models.ledger import LedgerDefinition, LedgerInstance

from ..helpers import json_of

pytestmark = pytest.mark.anyio

# (keyword arguments, path prefix) for each owner scope of ledger and logic
OWNERS = [
    ({}, "/v1"),
    ({"org": "my-org"}, "/v1/orgs/my-org"),
    ({"product": 1234}, "/v1/products/1234"),
    ({"product": "my-product-v1"}, "/v1/products/my-product-v1"),
]


# --- ledger definitions --------------------------------------------------------------------

DEFINITION = {
    "name": "sensors",
    "scope": "Device",
    "direction": "Upstream",
    "description": "readings",
    "created_at": "2024-06-01T00:00:00Z",
    "updated_at": "2024-06-02T00:00:00Z",
    "archived_at": None,
}


@pytest.mark.parametrize(("scope", "prefix"), OWNERS)
async def test_ledger_definition_crud(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    created = router.post(f"{prefix}/ledgers").respond(201, json={"ledger": DEFINITION})
    got = router.get(f"{prefix}/ledgers/sensors").respond(json={"ledger": DEFINITION})
    updated = router.put(f"{prefix}/ledgers/sensors").respond(
        json={"ledger": {**DEFINITION, "description": "new"}}
    )
    archived = router.delete(f"{prefix}/ledgers/sensors").respond(204)

    ledger = await cloud.ledger.create(
        "sensors", scope="Device", direction="Upstream", description="readings", **scope
    )
    assert json_of(created.calls.last.request) == {
        "ledger": {
            "name": "sensors",
            "scope": "Device",
            "direction": "Upstream",
            "description": "readings",
        }
    }
    assert isinstance(ledger, LedgerDefinition)
    assert ledger.scope == "Device"
    assert not ledger.archived

    assert (await cloud.ledger.get("sensors", **scope)).direction == "Upstream"
    assert got.called

    changed = await cloud.ledger.update("sensors", description="new", **scope)
    assert json_of(updated.calls.last.request) == {"ledger": {"description": "new"}}
    assert changed.description == "new"

    assert await cloud.ledger.archive("sensors", **scope) is True
    assert archived.called


async def test_ledger_scope_arguments_are_exclusive(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="not both"):
        await cloud.ledger.get("sensors", org="o", product=1)


async def test_list_ledgers_page_and_iterate(cloud: Particle, router: respx.Router) -> None:
    def page(n: int, names: list[str], total_pages: int = 2) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "ledger_definitions": [{**DEFINITION, "name": x} for x in names],
                "meta": {"page": n, "per_page": 2, "total_pages": total_pages, "total": 3},
            },
        )

    route = router.get("/v1/orgs/acme/ledgers").mock(
        side_effect=[page(1, ["a", "b"]), page(2, ["c"]), page(1, ["a", "b"])]
    )
    names = [
        d.name
        async for d in cloud.ledger.iter(org="acme", scope="Device", archived=False, per_page=2)
    ]
    assert names == ["a", "b", "c"]
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"scope": "Device", "archived": "false", "page": str(n), "per_page": "2"} for n in (1, 2)
    ]
    one = await cloud.ledger.list(org="acme", page=1, per_page=2)
    assert one.total == 3
    assert one.total_pages == 2
    assert not one.is_last


async def test_list_ledgers_docs_key(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/ledgers").respond(json={"ledgers": [DEFINITION], "meta": {"total_pages": 1}})
    page = await cloud.ledger.list()
    assert [d.name for d in page.items] == ["sensors"]
    assert page.is_last


# --- ledger instances ----------------------------------------------------------------------

INSTANCE = {
    "name": "sensors",
    "scope": {"type": "Device", "value": "dev1", "name": "kitchen"},
    "size_bytes": 14,
    "data": {"temp": 21.5},
    "created_at": "2024-06-01T00:00:00Z",
    "updated_at": "2024-06-03T00:00:00Z",
}


@pytest.mark.parametrize(("scope", "prefix"), OWNERS)
async def test_ledger_instance_get_set_delete(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    url = f"{prefix}/ledgers/sensors/instances/dev1"
    router.get(url).respond(json={"instance": INSTANCE})
    put = router.put(url).respond(json={"instance": {**INSTANCE, "data": {"temp": 22}}})
    deleted = router.delete(url).respond(204)

    instance = await cloud.ledger.get_instance("sensors", "dev1", **scope)
    assert isinstance(instance, LedgerInstance)
    assert instance.data == {"temp": 21.5}
    assert instance.scope is not None
    assert instance.scope.value == "dev1"
    assert instance.updated_at == datetime(2024, 6, 3, tzinfo=timezone.utc)

    written = await cloud.ledger.set_instance("sensors", "dev1", {"temp": 22}, **scope)
    assert "set_mode" not in put.calls.last.request.url.params
    assert json_of(put.calls.last.request) == {"instance": {"data": {"temp": 22}}}
    assert written.data == {"temp": 22}

    await cloud.ledger.set_instance("sensors", "dev1", {"hum": 40}, merge=True, **scope)
    assert put.calls.last.request.url.params["set_mode"] == "Merge"

    assert await cloud.ledger.delete_instance("sensors", "dev1", **scope) is True
    assert deleted.called


async def test_list_and_iterate_ledger_instances(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/ledgers/sensors/instances").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "instances": [INSTANCE, INSTANCE],
                    "meta": {"page": 1, "per_page": 2, "total_pages": 2},
                },
            ),
            httpx.Response(
                200,
                json={
                    "instances": [INSTANCE],
                    "meta": {"page": 2, "per_page": 2, "total_pages": 2},
                },
            ),
        ]
    )
    items = await cloud.ledger.iter_instances("sensors", per_page=2).collect()
    assert len(items) == 3
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"page": "1", "per_page": "2"},
        {"page": "2", "per_page": "2"},
    ]


def version(replaced_at: str, temp: int) -> dict[str, object]:
    return {**INSTANCE, "data": {"temp": temp}, "replaced_at": replaced_at}


async def test_ledger_versions_walk_back_with_replaced_before(
    cloud: Particle, router: respx.Router
) -> None:
    url = "/v1/orgs/acme/ledgers/sensors/instances/dev1/versions"
    route = router.get(url).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "versions": [
                        version("2024-06-05T00:00:00Z", 5),
                        version("2024-06-04T00:00:00Z", 4),
                    ],
                    "meta": {"has_more": True},
                },
            ),
            httpx.Response(
                200,
                json={
                    "versions": [version("2024-06-03T00:00:00Z", 3)],
                    "meta": {"has_more": False},
                },
            ),
        ]
    )
    temps = [
        v.data["temp"]
        async for v in cloud.ledger.iter_instance_versions(
            "sensors", "dev1", replaced_after="2024-01-01T00:00:00Z", org="acme"
        )
    ]
    assert temps == [5, 4, 3]
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"replaced_after": "2024-01-01T00:00:00Z"},
        {"replaced_after": "2024-01-01T00:00:00Z", "replaced_before": "2024-06-04T00:00:00Z"},
    ]


async def test_ledger_versions_one_window(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/ledgers/sensors/instances/dev1/versions").respond(
        json={"versions": [version("2024-06-05T00:00:00Z", 5)], "meta": {"has_more": True}}
    )
    page = await cloud.ledger.list_instance_versions(
        "sensors", "dev1", replaced_before="2024-06-06T00:00:00Z"
    )
    assert dict(route.calls.last.request.url.params) == {"replaced_before": "2024-06-06T00:00:00Z"}
    assert page.has_more is True
    assert page.items[0].replaced_at == datetime(2024, 6, 5, tzinfo=timezone.utc)


async def test_ledger_versions_stop_when_no_cursor(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/ledgers/sensors/instances/dev1/versions").respond(
        json={"versions": [INSTANCE], "meta": {"has_more": True}}  # no replaced_at to go on
    )
    assert len(await cloud.ledger.iter_instance_versions("sensors", "dev1").collect()) == 1
    assert route.call_count == 1


@pytest.mark.parametrize(("scope", "prefix"), OWNERS)
async def test_get_ledger_instance_version(
    cloud: Particle, router: respx.Router, scope: dict[str, object], prefix: str
) -> None:
    router.get(f"{prefix}/ledgers/sensors/instances/dev1/versions/v7").respond(
        json={"instance": version("2024-06-04T00:00:00Z", 4)}
    )
    old = await cloud.ledger.get_instance_version("sensors", "dev1", "v7", **scope)
    assert old.data == {"temp": 4}
