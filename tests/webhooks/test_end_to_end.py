"""Both paths of one event: the fake cloud posts a real webhook to a receiver under
uvicorn while the SDK's own SSE subscription gets the same event; the two `Event`s match
field for field, and the receiver's reply comes back as `hook-response`."""

from __future__ import annotations

import anyio
import httpx
import pytest

from particle_async import Event, Particle
from particle_async.testing import FakeCloud
from particle_async.webhooks import WebhookReceiver

from .serving import serve

pytestmark = pytest.mark.anyio

FIELDS = ("name", "data", "ttl", "published_at", "device_id", "product_id", "version")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the receiver runs under uvicorn, in this loop


async def test_webhook_and_stream_yield_the_same_event() -> None:
    receiver = WebhookReceiver(secret="hunter2", reply=lambda e: f"thanks for {e.data}")
    consumer = receiver.subscribe("temp")
    async with FakeCloud(rate_limit=None) as fake, serve(receiver) as url:
        fake.add_product(5)
        device = fake.add_device(name="d", product_id=5, firmware_version=3)
        async with httpx.AsyncClient(base_url=fake.base_url) as http:
            created = await http.post(
                "/v1/products/5/integrations",
                headers={"Authorization": f"Bearer {fake.token}"},
                json={
                    "integration_type": "Webhook",
                    "event": "temp",
                    "url": url,
                    "headers": {"X-Particle-Webhook-Secret": "hunter2"},
                    "json": {
                        "ttl": "{{{PRODUCT_VERSION}}}",
                        "productID": "{{{PRODUCT_ID}}}",
                        "version": "{{{PRODUCT_VERSION}}}",
                    },
                },
            )
        assert created.status_code == 201
        async with (
            Particle(token=fake.token, base_url=fake.base_url) as cloud,
            cloud.events.subscribe(product=5) as stream,
        ):
            await fake.wait_for_streams(1)
            device.publish("temp", "21.5", ttl=3)
            with anyio.fail_after(10):
                streamed: list[Event] = []
                async for event in stream:
                    streamed.append(event)
                    if event.name.endswith("/hook-response/temp/0"):
                        break
                hooked = await consumer.__anext__()
    first = streamed[0]
    assert [getattr(hooked, f) for f in FIELDS] == [getattr(first, f) for f in FIELDS]
    assert streamed[-1].data == "thanks for 21.5"
    assert receiver.stats.delivered == 1
    assert fake.webhooks.stats().succeeded == 1
