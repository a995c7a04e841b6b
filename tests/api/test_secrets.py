"""`cloud.secrets`: cloud secrets, their names, and creation sent once."""

from __future__ import annotations

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.secrets import CloudSecret

from ..helpers import json_of

pytestmark = pytest.mark.anyio


SECRET = {
    "name": "MY_API_KEY",
    "created_at": "2024-05-22T19:24:25.789Z",
    "updated_at": "2024-05-22T19:24:25.789Z",
    "last_accessed_at": None,
    "integrations": [{"name": "my integration", "id": "654346685db1b2cc1905d499"}],
    "logic_functions": [],
}


@pytest.mark.parametrize(("org", "prefix"), [(None, "/v1"), ("acme", "/v1/orgs/acme")])
async def test_secret_lifecycle(
    cloud: Particle, router: respx.Router, org: str | None, prefix: str
) -> None:
    router.get(f"{prefix}/secrets").respond(json={"secrets": [SECRET]})
    router.get(f"{prefix}/secrets/MY_API_KEY").respond(json={"secret": SECRET})
    create = router.post(f"{prefix}/secrets").respond(201, json={"secret": SECRET})
    update = router.put(f"{prefix}/secrets/MY_API_KEY").respond(json={"secret": SECRET})
    delete = router.delete(f"{prefix}/secrets/MY_API_KEY").respond(status_code=204)

    secrets = await cloud.secrets.list(org=org)
    assert isinstance(secrets[0], CloudSecret)
    assert secrets[0].usage_count == 1
    assert secrets[0].last_accessed_at is None
    assert secrets[0].created_at is not None
    assert secrets[0].created_at.year == 2024

    one = await cloud.secrets.get("MY_API_KEY", org=org)
    assert one.integrations[0]["name"] == "my integration"

    made = await cloud.secrets.create("MY_API_KEY", "v4lue", org=org)
    assert json_of(create.calls.last.request) == {
        "secret": {"name": "MY_API_KEY", "value": "v4lue"}
    }
    assert made.name == "MY_API_KEY"

    await cloud.secrets.update("MY_API_KEY", "n3w", org=org)
    assert json_of(update.calls.last.request) == {"secret": {"value": "n3w"}}

    assert await cloud.secrets.delete("MY_API_KEY", org=org) is True
    assert delete.call_count == 1


async def test_secret_names_are_checked(cloud: Particle) -> None:
    for bad in ("lower", "1START", "HAS-DASH", ""):
        with pytest.raises(ValueError, match="invalid secret name"):
            await cloud.secrets.create(bad, "v")
    with pytest.raises(ValueError, match="invalid secret name"):
        await cloud.secrets.update("bad name", "v")


async def test_secret_create_is_not_retried(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/secrets").mock(
        side_effect=[httpx.Response(503), httpx.Response(201, json={"secret": SECRET})]
    )
    with pytest.raises(ServerError):
        await cloud.secrets.create("MY_API_KEY", "v")
    assert route.call_count == 1
