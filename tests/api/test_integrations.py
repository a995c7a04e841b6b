"""`cloud.integrations`: legacy webhooks and integrations, user and product scope."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.integrations import Integration, IntegrationTestResult, Webhook

from ..helpers import json_of

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product-v1"]

HOOK = {
    "id": "hook1",
    "event": "temp",
    "url": "https://example.test/hook",
    "requestType": "POST",
    "created_at": "2024-03-14T17:57:46.316Z",
    "integration_type": "Webhook",
}


# --- legacy webhooks -----------------------------------------------------------------------


async def test_create_webhook_minimal_defaults_to_post(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.post("/v1/webhooks").respond(
        json={**HOOK, "ok": True, "name": None, "hookUrl": "https://api/v1/webhooks/hook1"}
    )
    hook = await cloud.integrations.create_webhook("temp", "https://example.test/hook")
    assert json_of(route.calls.last.request) == {
        "event": "temp",
        "url": "https://example.test/hook",
        "requestType": "POST",
    }
    assert isinstance(hook, Webhook)
    assert hook.ok
    assert hook.id == "hook1"
    assert hook.hook_url == "https://api/v1/webhooks/hook1"
    assert hook.created_at == datetime(2024, 3, 14, 17, 57, 46, 316000, tzinfo=timezone.utc)


@pytest.mark.parametrize("product", PRODUCTS)
async def test_create_webhook_every_option_for_a_product(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.post(f"/v1/products/{product}/webhooks").respond(json={**HOOK, "ok": True})
    await cloud.integrations.create_webhook(
        "temp",
        "https://example.test/hook",
        request_type="PUT",
        device_id="dev1",
        reject_unauthorized=False,
        no_defaults=True,
        auth={"username": "u", "password": "p"},
        headers={"X-One": "1"},
        query={"q": "1"},
        json={"value": "{{{PARTICLE_EVENT_VALUE}}}"},
        form={"f": "1"},
        body="raw",
        response_template="{{t}}",
        response_topic="resp",
        error_response_topic="err",
        product=product,
    )
    assert json_of(route.calls.last.request) == {
        "event": "temp",
        "url": "https://example.test/hook",
        "requestType": "PUT",
        "deviceId": "dev1",
        "rejectUnauthorized": False,
        "noDefaults": True,
        "auth": {"username": "u", "password": "p"},
        "headers": {"X-One": "1"},
        "query": {"q": "1"},
        "json": {"value": "{{{PARTICLE_EVENT_VALUE}}}"},
        "form": {"f": "1"},
        "body": "raw",
        "responseTemplate": "{{t}}",
        "responseTopic": "resp",
        "errorResponseTopic": "err",
    }


async def test_create_webhook_is_never_resent(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/webhooks").respond(503)
    with pytest.raises(ServerError):
        await cloud.integrations.create_webhook("temp", "https://example.test/hook")
    assert route.call_count == 1


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_list_and_delete_webhooks(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    base = "/v1/webhooks" if product is None else f"/v1/products/{product}/webhooks"
    listed = router.get(base).respond(json=[HOOK, {**HOOK, "id": "hook2", "disabled": True}])
    deleted = router.delete(f"{base}/hook1").respond(json={"ok": True})
    hooks = await cloud.integrations.list_webhooks(product=product)
    assert [h.id for h in hooks] == ["hook1", "hook2"]
    assert hooks[1].disabled
    assert listed.called
    assert await cloud.integrations.delete_webhook("hook1", product=product) is True
    assert deleted.called


# --- integrations --------------------------------------------------------------------------


async def test_create_integration_merges_settings(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/integrations").respond(json=HOOK)
    integration = await cloud.integrations.create(
        "temp",
        device_id="dev1",
        settings={"url": "https://example.test/hook", "requestType": "POST"},
        noDefaults=True,
    )
    assert json_of(route.calls.last.request) == {
        "event": "temp",
        "deviceid": "dev1",
        "integration_type": "Webhook",
        "url": "https://example.test/hook",
        "requestType": "POST",
        "noDefaults": True,
    }
    assert isinstance(integration, Integration)
    assert integration.is_webhook
    assert integration.request_type == "POST"


@pytest.mark.parametrize("product", PRODUCTS)
async def test_create_other_integration_type_for_product(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.post(f"/v1/products/{product}/integrations").respond(
        json={"integration": {"id": "g1", "integration_type": "GoogleCloudPubSub", "topic": "t"}}
    )
    integration = await cloud.integrations.create(
        "temp", integration_type="GoogleCloudPubSub", topic="projects/p/topics/t", product=product
    )
    assert json_of(route.calls.last.request) == {
        "event": "temp",
        "integration_type": "GoogleCloudPubSub",
        "topic": "projects/p/topics/t",
    }
    assert integration.integration_type == "GoogleCloudPubSub"
    assert not integration.is_webhook
    assert integration.get("topic") == "t"


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_edit_integration_replaces_config(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    base = "/v1/integrations" if product is None else f"/v1/products/{product}/integrations"
    route = router.put(f"{base}/int1").respond(json={"integration": {**HOOK, "event": "new"}})
    edited = await cloud.integrations.edit(
        "int1", event="new", settings={"url": "https://x.test"}, product=product
    )
    assert json_of(route.calls.last.request) == {"event": "new", "url": "https://x.test"}
    assert edited.event == "new"


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_get_list_delete_integration(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    base = "/v1/integrations" if product is None else f"/v1/products/{product}/integrations"
    logs = [{"request": "POST /hook", "response": "200 OK"}]
    router.get(f"{base}/int1").respond(json={"integration": {**HOOK, "logs": logs}})
    router.get(base).respond(json=[HOOK, {"id": "az", "integration_type": "AzureIotHub"}])
    deleted = router.delete(f"{base}/int1").respond(204)

    got = await cloud.integrations.get("int1", product=product)
    assert got.logs == tuple(logs)
    listed = await cloud.integrations.list(product=product)
    assert [i.integration_type for i in listed] == ["Webhook", "AzureIotHub"]
    assert await cloud.integrations.delete("int1", product=product) is True
    assert deleted.called


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_test_integration(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    base = "/v1/integrations" if product is None else f"/v1/products/{product}/integrations"
    route = router.post(f"{base}/int1/test").respond(
        json={"pass": False, "data": None, "error": "ECONNREFUSED"}
    )
    result = await cloud.integrations.test("int1", data="42", device_id="dev1", product=product)
    assert json_of(route.calls.last.request) == {"data": "42", "device_id": "dev1"}
    assert isinstance(result, IntegrationTestResult)
    assert not result.passed
    assert result.error == "ECONNREFUSED"


async def test_test_integration_minimal_body_and_no_retry(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.post("/v1/integrations/int1/test").mock(
        side_effect=[httpx.Response(502), httpx.Response(200, json={"pass": True})]
    )
    with pytest.raises(ServerError):
        await cloud.integrations.test("int1")
    assert route.call_count == 1
    assert json_of(route.calls.last.request) == {}
    assert (await cloud.integrations.test("int1")).passed
