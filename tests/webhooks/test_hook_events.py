"""What comes back: `hook-sent/<event>`, `hook-response/<event>/<n>` in 512-byte chunks
up to 100 KB, `hook-error/<event>/<n>`, as the fake publishes them, and as the SDK's
own subscription receives them over SSE (asyncio and trio)."""

from __future__ import annotations

import json

import anyio
import pytest

from particle_async import Event, Particle
from particle_async.testing import FakeCloud
from particle_async.testing._webhook_render import split_utf8

from .conftest import create_hook, hook_events
from .recorder import Recorder


def test_response_is_published_in_512_byte_chunks(fake: FakeCloud, target: Recorder) -> None:
    target.answer(200, "a" * 1300)
    device = fake.add_device(name="d")
    create_hook(fake, target.url)
    device.publish("temp/x", "1")
    fake.webhooks.wait_idle_sync()
    events = hook_events(fake)
    assert [e.name for e in events] == [
        "hook-sent/temp/x",
        "hook-response/temp/x/0",
        "hook-response/temp/x/1",
        "hook-response/temp/x/2",
    ]
    assert events[0].data == "undefined"
    assert [len(e.data) for e in events[1:]] == [512, 512, 276]
    assert all(e.owner == fake.user.username and e.private for e in events)


def test_only_the_first_100_kb_come_back(fake: FakeCloud, target: Recorder) -> None:
    target.answer(200, "b" * 300_000)
    device = fake.add_device(name="d")
    create_hook(fake, target.url)
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    chunks = hook_events(fake, "hook-response/")
    assert len(chunks) == 200
    assert sum(len(c.data) for c in chunks) == 100 * 1024
    assert chunks[-1].name == "hook-response/temp/199"


def test_chunks_never_cut_a_character() -> None:
    text = ("é" * 300 + "€" * 300).encode()
    pieces = split_utf8(text, 512)
    assert all(len(p) <= 512 for p in pieces)
    assert b"".join(pieces) == text
    assert all(p.decode() for p in pieces)  # each piece decodes on its own


def test_empty_answer_is_one_empty_chunk(fake: FakeCloud, target: Recorder) -> None:
    target.answer(204, "")
    device = fake.add_device(name="d")
    create_hook(fake, target.url)
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    assert [(e.name, e.data) for e in hook_events(fake, "hook-response/")] == [
        ("hook-response/temp/0", "")
    ]


def test_response_template_and_topic(fake: FakeCloud, target: Recorder) -> None:
    answer = {"results": [{"elevation": 1608.6, "location": {"lat": 39.7}}], "status": "OK"}
    target.answer(200, json.dumps(answer))
    device = fake.add_device(name="d")
    create_hook(
        fake,
        target.url,
        responseTemplate="{{{results.0.elevation}}} at {{results.0.location.lat}}",
        responseTopic="{{{PARTICLE_DEVICE_ID}}}/elevation",
    )
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    [reply] = hook_events(fake, f"{device.id}/")
    assert (reply.name, reply.data) == (f"{device.id}/elevation/0", "1608.6 at 39.7")


def test_product_hooks_answer_on_the_device_scoped_topic(fake: FakeCloud, target: Recorder) -> None:
    fake.add_product(9)
    device = fake.add_device(name="d", product_id=9, claimed=False)
    create_hook(fake, target.url, product=9)
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    events = hook_events(fake)
    assert [e.name for e in events] == ["hook-sent/temp", f"{device.id}/hook-response/temp/0"]
    assert all(e.product_id == 9 and e.owner is None for e in events)


def test_error_answer_and_error_topic(fake: FakeCloud, target: Recorder) -> None:
    target.answer(404, "nope")
    device = fake.add_device(name="d")
    create_hook(fake, target.url, errorResponseTopic="failed_for_{{PARTICLE_DEVICE_ID}}")
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    [error] = hook_events(fake, "failed_for_")
    assert (error.name, error.data) == (
        f"failed_for_{device.id}/0",
        "error status 404 from 127.0.0.1",
    )


# -- over SSE, with the SDK --------------------------------------------------------------


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def collect(stream: object, n: int) -> list[Event]:
    got: list[Event] = []
    with anyio.fail_after(10):
        async for event in stream:  # type: ignore[attr-defined]
            got.append(event)
            if len(got) == n:
                break
    return got


@pytest.mark.anyio
async def test_sdk_subscription_receives_sent_and_response(
    fake: FakeCloud, target: Recorder
) -> None:
    target.answer(200, "x" * 600)
    device = fake.add_device(name="d")
    create_hook(fake, target.url)
    async with (
        Particle(token=fake.token, base_url=fake.base_url) as cloud,
        cloud.events.subscribe("hook-") as stream,
    ):
        await fake.wait_for_streams(1)
        device.publish("temp", "1")
        events = await collect(stream, 3)
    assert [e.name for e in events] == [
        "hook-sent/temp",
        "hook-response/temp/0",
        "hook-response/temp/1",
    ]
    assert events[0].data == "undefined"
    assert events[1].data == "x" * 512
    assert events[2].data == "x" * 88
    assert all(e.device_id == "particle-internal" for e in events)


@pytest.mark.anyio
async def test_sdk_subscription_receives_errors(fake: FakeCloud, target: Recorder) -> None:
    target.always(500, "down")
    device = fake.add_device(name="d")
    create_hook(fake, target.url)
    async with (
        Particle(token=fake.token, base_url=fake.base_url) as cloud,
        cloud.events.subscribe("hook-error/", device=None) as stream,
    ):
        await fake.wait_for_streams(1)
        device.publish("temp", "1")
        [error] = await collect(stream, 1)
    assert (error.name, error.data) == ("hook-error/temp/0", "error status 500 from 127.0.0.1")


@pytest.mark.anyio
async def test_product_stream_receives_hook_events(fake: FakeCloud, target: Recorder) -> None:
    fake.add_product(9)
    device = fake.add_device(name="d", product_id=9, claimed=False)
    create_hook(fake, target.url, product=9)
    async with (
        Particle(token=fake.token, base_url=fake.base_url) as cloud,
        cloud.events.subscribe(product=9) as stream,
    ):
        await fake.wait_for_streams(1)
        device.publish("temp", "1")
        events = await collect(stream, 3)
    assert [e.name for e in events] == [
        "temp",
        "hook-sent/temp",
        f"{device.id}/hook-response/temp/0",
    ]
    assert events[2].data == "ok"
