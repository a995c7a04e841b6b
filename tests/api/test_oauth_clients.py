"""`cloud.oauth_clients`: creating, listing, editing and deleting OAuth clients."""

from __future__ import annotations

import pytest
import respx

from particle_async import Particle
from particle_async.models.oauth_clients import OAuthClient

from ..helpers import json_of

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("product", "prefix"),
    [(None, "/v1"), (1337, "/v1/products/1337"), ("my-product-v1", "/v1/products/my-product-v1")],
)
async def test_oauth_client_lifecycle(
    cloud: Particle, router: respx.Router, product: int | str | None, prefix: str
) -> None:
    listing = router.get(f"{prefix}/clients").respond(
        json={
            "ok": True,
            "clients": [
                {"name": "server", "type": "installed", "id": "server-999"},
                {"name": "site", "type": "web", "id": "site-1", "redirect_uri": "https://x"},
            ],
        }
    )
    create = router.post(f"{prefix}/clients").respond(
        json={
            "ok": True,
            "client": {
                "name": "MyApp",
                "type": "installed",
                "id": "myapp-2146",
                "secret": "S" * 40,
            },
        }
    )
    update = router.put(f"{prefix}/clients/myapp-2146").respond(
        json={"ok": True, "client": {"name": "My App 2", "type": "installed", "id": "myapp-2146"}}
    )
    delete = router.delete(f"{prefix}/clients/myapp-2146").respond(status_code=204)

    clients = await cloud.oauth_clients.list(product=product)
    assert listing.call_count == 1
    assert [c.id for c in clients] == ["server-999", "site-1"]
    assert clients[1].redirect_uri == "https://x"

    made = await cloud.oauth_clients.create(
        "MyApp", "installed", scope=["customers:create"], product=product
    )
    assert json_of(create.calls.last.request) == {
        "name": "MyApp",
        "type": "installed",
        "scope": "customers:create",
    }
    assert isinstance(made, OAuthClient)
    assert made.secret == "S" * 40
    assert "S" * 40 not in repr(made)

    renamed = await cloud.oauth_clients.update("myapp-2146", name="My App 2", product=product)
    assert json_of(update.calls.last.request) == {"name": "My App 2"}
    assert renamed.name == "My App 2"

    assert await cloud.oauth_clients.delete("myapp-2146", product=product) is True
    assert delete.call_count == 1


async def test_oauth_client_checks_and_bare_answers(cloud: Particle, router: respx.Router) -> None:
    with pytest.raises(ValueError, match="redirect_uri"):
        await cloud.oauth_clients.create("site", "web")
    with pytest.raises(ValueError, match="name or scope"):
        await cloud.oauth_clients.update("c")
    route = router.post("/v1/clients").respond(json={"id": "w-1", "type": "web", "secret": "x"})
    made = await cloud.oauth_clients.create(
        "site", "web", redirect_uri="https://example.com/cb", scope="*:*"
    )
    assert json_of(route.calls.last.request) == {
        "name": "site",
        "type": "web",
        "redirect_uri": "https://example.com/cb",
        "scope": "*:*",
    }
    assert made.id == "w-1"
    put = router.put("/v1/clients/c").respond(json={"id": "c"})
    await cloud.oauth_clients.update("c", scope="none")
    assert json_of(put.calls.last.request) == {"scope": "none"}
