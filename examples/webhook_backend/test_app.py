"""The backend under a real uvicorn server on 127.0.0.1, the embedded fake cloud firing
real webhooks at it, and the SDK's SSE subscription receiving what the device would:
`hook-response` with the backend's answer, `hook-error` when the secret is wrong."""

from __future__ import annotations

import anyio
import httpx
import pytest

from particle_async import Event, Particle
from particle_async.streaming import EventStream
from particle_async.testing import FakeCloud
from tests.webhooks.serving import serve

from .app import create_app

pytestmark = pytest.mark.anyio

SECRET = "correct horse battery staple"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the backend runs under uvicorn, in the test's loop


async def integration(fake: FakeCloud, url: str, secret: str, event: str) -> None:
    async with httpx.AsyncClient(base_url=fake.base_url) as http:
        created = await http.post(
            "/v1/integrations",
            headers={"Authorization": f"Bearer {fake.token}"},
            json={
                "integration_type": "Webhook",
                "event": event,
                "url": url + "/particle/webhook",
                "headers": {"X-Particle-Webhook-Secret": secret},
            },
        )
    assert created.status_code == 201, created.text


async def take(stream: EventStream, n: int) -> list[Event]:
    got: list[Event] = []
    with anyio.fail_after(10):
        async for event in stream:
            got.append(event)
            if len(got) == n:
                return got
    return got


async def test_device_gets_the_backend_answer_as_hook_response() -> None:
    app = create_app(SECRET)
    async with FakeCloud(rate_limit=None) as fake, serve(app, lifespan="on") as url:
        alpha = fake.add_device(name="alpha")
        beta = fake.add_device(name="beta")
        await integration(fake, url, SECRET, "temp")
        async with (
            Particle(token=fake.token, base_url=fake.base_url) as cloud,
            cloud.events.subscribe("hook-response/") as responses,
        ):
            await fake.wait_for_streams(1)
            alpha.publish("temp", "21.5")
            beta.publish("temperature", "19.0")
            alpha.publish("temp", "21.7")
            got = await take(responses, 3)
        await fake.webhooks.wait_idle()
        async with httpx.AsyncClient(base_url=url) as http:
            stats = (await http.get("/stats")).json()
    assert [(e.name, e.data) for e in got] == [
        ("hook-response/temp/0", "ack temp=21.5"),
        ("hook-response/temperature/0", "ack temperature=19.0"),
        ("hook-response/temp/0", "ack temp=21.7"),
    ]
    assert stats["devices"] == {alpha.id: 2, beta.id: 1}
    assert stats["receiver"]["delivered"] == 3
    assert fake.webhooks.stats().succeeded == 3


async def test_wrong_secret_comes_back_as_hook_error() -> None:
    app = create_app(SECRET)
    async with FakeCloud(rate_limit=None) as fake, serve(app, lifespan="on") as url:
        alpha = fake.add_device(name="alpha")
        await integration(fake, url, "guessed", "door")
        async with (
            Particle(token=fake.token, base_url=fake.base_url) as cloud,
            cloud.events.subscribe("hook-") as events,
        ):
            await fake.wait_for_streams(1)
            alpha.publish("door", "open")
            sent, error = await take(events, 2)
    assert sent.name == "hook-sent/door"
    assert (error.name, error.data) == ("hook-error/door/0", "error status 401 from 127.0.0.1")
    assert app.state.receiver.stats.unauthorized == 1
    assert app.state.counts == {}
