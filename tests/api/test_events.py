"""`cloud.events`: what `publish` sends and answers, and the path a subscription opens."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
import respx

from particle_async import Particle

from ..helpers import BASE, TOKEN, FakeClock, body_of

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product"]
ENVELOPE = (
    b'{"data":"21.5","ttl":60,"published_at":"2026-01-01T00:00:00.000Z",'
    b'"coreid":"0123456789abcdef01234567"}'
)


async def test_publish_sends_name_data_private_and_ttl(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.post("/v1/devices/events").respond(json={"ok": True})
    assert await cloud.events.publish("door", "open", ttl=60) is True
    assert body_of(route) == {"name": "door", "data": "open", "private": True, "ttl": 60}
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_publish_leaves_out_what_was_not_given(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/devices/events").respond(json={"ok": True})
    await cloud.events.publish("door")
    assert body_of(route) == {"name": "door", "private": True}
    await cloud.events.publish("door", "", private=False)
    assert body_of(route) == {"name": "door", "data": "", "private": False}


@pytest.mark.parametrize("product", PRODUCTS)
async def test_publish_to_a_product(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.post(f"/v1/products/{product}/events").respond(json={"ok": True})
    assert await cloud.events.publish("fleet/cmd", "reboot", product=product)
    assert body_of(route) == {"name": "fleet/cmd", "data": "reboot", "private": True}


@pytest.mark.parametrize(("answer", "accepted"), [({"ok": False}, False), ({}, True)])
async def test_publish_answers_what_the_cloud_says(
    cloud: Particle, router: respx.Router, answer: dict[str, bool], accepted: bool
) -> None:
    router.post("/v1/devices/events").respond(json=answer)
    assert await cloud.events.publish("door", "open") is accepted


@pytest.fixture
async def streaming(router: respx.Router) -> AsyncIterator[Particle]:
    """A client whose requests and event streams both go to `router`."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    async with (
        http,
        Particle(
            token=TOKEN,
            base_url=BASE,
            http_client=http,
            stream_http_client=http,
            rate_limiter=None,
            clock=FakeClock(),
        ) as client,
    ):
        yield client


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        ({}, "/v1/devices/events/temp"),
        ({"device": "d1"}, "/v1/devices/d1/events/temp"),
        ({"product": 1234}, "/v1/products/1234/events/temp"),
        ({"org": "acme"}, "/v1/orgs/acme/events/temp"),
    ],
)
async def test_subscribe_opens_the_scoped_path(
    streaming: Particle, router: respx.Router, scope: dict[str, str | int], path: str
) -> None:
    route = router.get(path).respond(
        headers={"Content-Type": "text/event-stream"},
        content=b"event: temp/room\ndata: " + ENVELOPE + b"\n\n",
    )
    with anyio.fail_after(5):
        async with streaming.events.subscribe("temp", **scope) as stream:  # type: ignore[arg-type]
            event = await stream.__anext__()
    assert (event.name, event.data, event.device_id) == (
        "temp/room",
        "21.5",
        "0123456789abcdef01234567",
    )
    request = route.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "text/event-stream"
