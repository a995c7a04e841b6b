"""Round trips through the SDK against the fake cloud: legacy webhooks and every-type
integrations, user and product scope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud

from ..helpers import sdk
from .worlds import libraries_integrations
from .worlds.libraries_integrations import stranger

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with libraries_integrations.cloud() as cloud:
        yield cloud


async def test_legacy_webhooks(fake: FakeCloud) -> None:
    alpha = fake.add_device("alpha")
    async with sdk(fake) as cloud:
        hook = await cloud.integrations.create_webhook(
            "temp",
            "https://example.com/hook",
            device_id=alpha.id,
            json={"t": "{{{PARTICLE_EVENT_VALUE}}}"},
            headers={"X-Key": "k"},
            response_topic="temp-reply",
        )
        assert hook.ok
        assert hook.id
        assert hook.hook_url == f"{fake.base_url}/v1/webhooks/{hook.id}"
        assert (hook.event, hook.url, hook.request_type) == (
            "temp",
            "https://example.com/hook",
            "POST",
        )
        assert (hook.name, hook.device_id) == ("temp for example.com", alpha.id)
        assert hook.raw["responseTopic"] == "temp-reply"
        listed = await cloud.integrations.list_webhooks()
        assert [h.id for h in listed] == [hook.id]
        assert [i.id for i in await cloud.integrations.list()] == [hook.id]

        product_hook = await cloud.integrations.create_webhook(
            "fleet", "https://example.com/fleet", request_type="PUT", product="widget"
        )
        assert [h.id for h in await cloud.integrations.list_webhooks(product=77)] == [
            product_hook.id
        ]
        assert product_hook.id not in [h.id for h in await cloud.integrations.list_webhooks()]
        with pytest.raises(NotFoundError):
            await cloud.integrations.delete_webhook(product_hook.id)  # not in the user scope
        assert await cloud.integrations.delete_webhook(product_hook.id, product="widget")
        assert await cloud.integrations.delete_webhook(hook.id)
        assert await cloud.integrations.list_webhooks() == []
        with pytest.raises(NotFoundError):
            await cloud.integrations.delete_webhook(hook.id)
        with pytest.raises(ForbiddenError):
            await cloud.integrations.list_webhooks(product=88)
        with pytest.raises(NotFoundError):
            await cloud.integrations.create_webhook("x", "https://example.com", product=404)


async def test_integrations_round_trip(fake: FakeCloud) -> None:
    alpha = fake.add_device("alpha")
    async with sdk(fake) as cloud:
        hook = await cloud.integrations.create(
            "temp", url="https://example.com/in", requestType="GET", device_id=alpha.id
        )
        assert (hook.integration_type, hook.request_type, hook.device_id) == (
            "Webhook",
            "GET",
            alpha.id,
        )
        assert hook.raw["integrationUrl"].endswith(f"/v1/integrations/{hook.id}")
        azure = await cloud.integrations.create(
            "hub",
            integration_type="AzureIotHub",
            settings={"hub_name": "my-hub", "policy_name": "p", "policy_key": "k"},
        )
        assert (azure.integration_type, azure.name) == ("AzureIotHub", "hub for my-hub")
        listed = await cloud.integrations.list()
        assert [(i.id, i.is_webhook) for i in listed] == [(hook.id, True), (azure.id, False)]
        assert [h.id for h in await cloud.integrations.list_webhooks()] == [hook.id]

        got = await cloud.integrations.get(hook.id)
        assert (got.url, got.logs) == ("https://example.com/in", ())
        edited = await cloud.integrations.edit(hook.id, url="https://example.org/new")
        assert (edited.event, edited.url) == ("temp", "https://example.org/new")
        assert (edited.request_type, edited.device_id) == ("POST", None)  # replaced, not merged
        assert edited.name == "temp for example.org"

        result = await cloud.integrations.test(hook.id, data="42")
        assert (result.passed, result.data, result.error) == (True, None, None)
        logs = (await cloud.integrations.get(hook.id)).logs
        assert len(logs) == 1
        assert logs[0]["event"]["data"] == "42"
        dead = await cloud.integrations.create("x", url="https://nowhere.invalid/")
        failed = await cloud.integrations.test(dead.id)
        assert not failed.passed
        assert "ENOTFOUND" in str(failed.error)

        assert await cloud.integrations.delete(hook.id)
        with pytest.raises(NotFoundError):
            await cloud.integrations.get(hook.id)
        with pytest.raises(BadRequestError, match="url is required"):
            await cloud.integrations.create("temp")
        with pytest.raises(BadRequestError, match="Unknown integration_type"):
            await cloud.integrations.create("temp", integration_type="Carrier pigeon")
        with pytest.raises(BadRequestError, match="requestType"):
            await cloud.integrations.create("t", url="https://example.com", requestType="FETCH")


async def test_product_integrations(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud, stranger(fake) as other:
        maps = await cloud.integrations.create(
            "loc", integration_type="GoogleMaps", api_key="secret", product="widget"
        )
        assert [i.id for i in await cloud.integrations.list(product=77)] == [maps.id]
        assert await cloud.integrations.list() == []
        assert (await cloud.integrations.get(maps.id, product=77)).raw["api_key"] == "secret"
        with pytest.raises(NotFoundError):
            await cloud.integrations.get(maps.id)
        edited = await cloud.integrations.edit(
            maps.id, integration_type="GoogleCloudPubSub", topic="t/1", product="widget"
        )
        assert (edited.integration_type, edited.raw["topic"], edited.event) == (
            "GoogleCloudPubSub",
            "t/1",
            "loc",
        )
        assert "api_key" not in edited.raw
        assert (await cloud.integrations.test(maps.id, product=77)).passed
        with pytest.raises(ForbiddenError):
            await other.integrations.get(maps.id, product=77)
        assert await cloud.integrations.delete(maps.id, product="widget")
        assert await cloud.integrations.list(product=77) == []
