"""`particle_async.webhooks`: parsing, the secret, the size cap, replays, back-pressure
and the starlette/FastAPI helpers, through real HTTP to a uvicorn server on 127.0.0.1
(asyncio: uvicorn's loop), and the ASGI app in-process on trio too."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse
from starlette.applications import Starlette

from particle_async import Event, ParticleError
from particle_async.streaming._convert import to_event
from particle_async.webhooks import WebhookReceiver, WebhookRejected, parse_webhook

from .serving import serve

pytestmark = pytest.mark.anyio

SECRET = "s3cret-value"
PUBLISHED = "2026-02-01T21:08:05.763Z"
DEVICE = "3f002b000000000000000000"
HEADERS = {"X-Particle-Webhook-Secret": SECRET}


def form(event: str = "temp", data: str = "21.5", **extra: str) -> dict[str, str]:
    return {"event": event, "data": data, "published_at": PUBLISHED, "coreid": DEVICE, **extra}


def form_body(**fields: str) -> bytes:
    return urlencode(form(**fields)).encode()


FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}


# -- parsing -----------------------------------------------------------------------------


def test_default_form_body_is_the_streams_event() -> None:
    event = parse_webhook(form_body(), "application/x-www-form-urlencoded")
    envelope = {"data": "21.5", "ttl": 60, "published_at": PUBLISHED, "coreid": DEVICE}
    streamed = to_event("temp", json.dumps(envelope))
    for name in ("name", "data", "ttl", "published_at", "device_id", "product_id", "version"):
        assert getattr(event, name) == getattr(streamed, name), name
    assert not event.malformed


def test_json_body_with_the_stream_fields() -> None:
    body = {
        "name": "temp/x",
        "data": {"t": 21},
        "published_at": PUBLISHED,
        "coreid": DEVICE,
        "ttl": "30",
        "productID": 4321,
        "version": "7",
        "public": False,
    }
    event = parse_webhook(json.dumps(body).encode(), "application/json; charset=utf-8")
    assert (event.name, event.data, event.ttl) == ("temp/x", '{"t":21}', 30)
    assert (event.product_id, event.version, event.public) == (4321, 7, False)
    assert event.device_id == DEVICE
    assert event.json() == {"t": 21}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"\xff\xfe", "application/x-www-form-urlencoded", 400),
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 422),
        (b"event=temp&data=1&published_at=" + PUBLISHED.encode(), None, 422),  # no coreid
        (form_body(published_at="yesterday"), "application/x-www-form-urlencoded", 422),
        (form_body(event=""), "application/x-www-form-urlencoded", 422),
        (b"", "application/x-www-form-urlencoded", 422),
        (b"<event/>", "application/xml", 415),
    ],
)
def test_not_particles_shape(body: bytes, content_type: str | None, status: int) -> None:
    with pytest.raises(WebhookRejected) as caught:
        parse_webhook(body, content_type)
    assert caught.value.status == status
    assert isinstance(caught.value, ParticleError)


# -- over real HTTP ----------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def post(
    url: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        content = form_body() if body is None else body
        return await http.post(url, content=content, headers={**FORM_TYPE, **(headers or {})}, **kw)


async def next_event(consumer: AsyncIterator[Event]) -> Event:
    with anyio.fail_after(5):
        return await consumer.__anext__()


async def test_accepted_event_reaches_the_consumer_and_the_reply_goes_back() -> None:
    receiver = WebhookReceiver(secret=SECRET, reply=lambda e: f"got {e.data}")
    consumer = receiver.subscribe("temp")
    other = receiver.subscribe("humidity")
    async with serve(receiver) as url:
        answer = await post(url, headers=HEADERS)
        assert (answer.status_code, answer.text) == (200, "got 21.5")
        event = await next_event(consumer)
    assert (event.name, event.data, event.device_id) == ("temp", "21.5", DEVICE)
    assert other.queued == 0
    assert (receiver.stats.received, receiver.stats.delivered) == (1, 1)


async def test_wrong_or_missing_secret_is_401() -> None:
    receiver = WebhookReceiver(secret=SECRET, basic_username="particle")
    consumer = receiver.subscribe()
    basic = "Basic " + base64.b64encode(b"particle:" + SECRET.encode()).decode()
    wrong_user = "Basic " + base64.b64encode(b"mallory:" + SECRET.encode()).decode()
    async with serve(receiver) as url:
        refused = [
            await post(url),
            await post(url, headers={"X-Particle-Webhook-Secret": SECRET + "x"}),
            await post(url, headers={"Authorization": "Bearer wrong"}),
            await post(url, headers={"Authorization": wrong_user}),
            await post(url, headers={"Authorization": "Basic !!notbase64"}),
        ]
        assert [r.status_code for r in refused] == [401] * 5
        assert SECRET not in "".join(r.text for r in refused)
        assert consumer.queued == 0
        accepted = [
            await post(url, body=form_body(data="1"), headers=HEADERS),
            await post(
                url, body=form_body(data="2"), headers={"Authorization": f"Bearer {SECRET}"}
            ),
            await post(url, body=form_body(data="3"), headers={"Authorization": basic}),
        ]
        assert [r.status_code for r in accepted] == [200] * 3
    assert receiver.stats.unauthorized == 5
    assert consumer.queued == 3


async def test_oversized_body_is_413_and_never_held_whole() -> None:
    receiver = WebhookReceiver(secret=SECRET, max_body=1024)
    consumer = receiver.subscribe()

    async def trickle() -> AsyncIterator[bytes]:  # no Content-Length: chunked
        for _ in range(1000):
            yield b"x" * 512

    async with serve(receiver) as url:
        declared = await post(url, body=b"a=" + b"x" * 4096, headers=HEADERS)
        streamed = await post(url, body=trickle(), headers=HEADERS)
        assert [declared.status_code, streamed.status_code] == [413, 413]
        assert (await post(url, headers=HEADERS)).status_code == 200  # still serving
    assert receiver.stats.too_large == 2
    assert consumer.queued == 1


async def test_bad_shapes_get_their_status_and_counter() -> None:
    receiver = WebhookReceiver(secret=SECRET)
    consumer = receiver.subscribe()
    async with serve(receiver) as url:
        answers = [
            await post(url, body=b"{nope", headers={**HEADERS, "Content-Type": "application/json"}),
            await post(url, body=b"[]", headers={**HEADERS, "Content-Type": "application/json"}),
            await post(url, body=b"hello", headers={**HEADERS, "Content-Type": "text/csv"}),
        ]
        async with httpx.AsyncClient() as http:
            answers.append(await http.get(url, headers=HEADERS))
    assert [a.status_code for a in answers] == [400, 422, 415, 405]
    assert answers[0].json() == {"ok": False, "error": "the body is not valid JSON"}
    stats = receiver.stats
    assert (stats.bad_request, stats.unprocessable, stats.unsupported) == (1, 1, 1)
    assert stats.method_not_allowed == 1
    assert consumer.queued == 0


async def test_a_replayed_delivery_is_answered_but_not_delivered_twice() -> None:
    now = [0.0]
    receiver = WebhookReceiver(secret=SECRET, replay_window=600, clock=lambda: now[0])
    consumer = receiver.subscribe()
    async with serve(receiver) as url:
        first = await post(url, headers=HEADERS)
        again = await post(url, headers=HEADERS)  # the cloud's retry of the same event
        other = await post(url, body=form_body(data="22"), headers=HEADERS)
        now[0] = 601.0  # outside the window: a new delivery
        late = await post(url, headers=HEADERS)
    assert [r.status_code for r in (first, again, other, late)] == [200] * 4
    assert again.json() == {"ok": True, "duplicate": True}
    assert receiver.stats.duplicates == 1
    assert [e.data for e in [await next_event(consumer) for _ in range(3)]] == [
        "21.5",
        "22",
        "21.5",
    ]
    assert consumer.queued == 0


async def test_a_slow_consumer_makes_503_not_a_growing_queue() -> None:
    receiver = WebhookReceiver(secret=SECRET)
    slow = receiver.subscribe("temp", max_queue=2)
    async with serve(receiver) as url:
        statuses = [
            (await post(url, body=form_body(data=str(i)), headers=HEADERS)).status_code
            for i in range(4)
        ]
        assert statuses == [200, 200, 503, 503]
        assert slow.queued == 2
        assert (await next_event(slow)).data == "0"
        retried = await post(url, body=form_body(data="2"), headers=HEADERS)
        assert retried.status_code == 200  # room again: the cloud's retry gets in
    assert receiver.stats.overloaded == 2
    assert [e.data for e in [await next_event(slow) for _ in range(2)]] == ["1", "2"]


async def test_reply_failures_are_500_and_deliver_nothing() -> None:
    def reply(event: Event) -> str:
        raise RuntimeError("bug in the handler")

    receiver = WebhookReceiver(secret=SECRET, reply=reply)
    consumer = receiver.subscribe()
    async with serve(receiver) as url:
        assert (await post(url, headers=HEADERS)).status_code == 500
    assert receiver.stats.reply_failed == 1
    assert consumer.queued == 0


async def test_starlette_route_and_async_json_reply() -> None:
    async def reply(event: Event) -> dict[str, Any]:
        await anyio.lowlevel.checkpoint()
        return {"seen": event.name}

    receiver = WebhookReceiver(secret=SECRET, reply=reply)
    app = Starlette(routes=[receiver.route("/particle")])
    async with serve(app) as url:
        answer = await post(url + "/particle", headers=HEADERS)
    assert answer.json() == {"seen": "temp"}


async def test_fastapi_dependency() -> None:
    receiver = WebhookReceiver(secret=SECRET)
    consumer = receiver.subscribe()
    handled: list[Event] = []
    app = FastAPI()

    @app.post("/particle")
    async def particle(event: Event = Depends(receiver.dependency)) -> PlainTextResponse:  # noqa: B008
        handled.append(event)
        return PlainTextResponse(f"ack {event.data}")

    async with serve(app) as url:
        ok = await post(url + "/particle", headers=HEADERS)
        replay = await post(url + "/particle", headers=HEADERS)
        refused = await post(url + "/particle", headers={"X-Particle-Webhook-Secret": "no"})
        too_big = await post(url + "/particle", body=b"x" * 100_000, headers=HEADERS)
    assert (ok.status_code, ok.text) == (200, "ack 21.5")
    assert replay.status_code == 200
    assert [refused.status_code, too_big.status_code] == [401, 413]
    assert [e.data for e in handled] == ["21.5"]  # the endpoint never saw the replay
    assert consumer.queued == 1


# -- the ASGI app in-process, on both backends -------------------------------------------


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_consumers_on_either_backend(anyio_backend: str) -> None:
    receiver = WebhookReceiver(secret=SECRET)
    consumer = receiver.subscribe("temp", max_queue=1)
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
        first = await http.post("/", content=form_body(), headers={**FORM_TYPE, **HEADERS})
        full = await http.post("/", content=form_body(data="2"), headers={**FORM_TYPE, **HEADERS})
        assert [first.status_code, full.status_code] == [200, 503]
        assert full.headers["retry-after"] == "30"
        async with anyio.create_task_group() as tg:
            got: list[Event] = []

            async def read() -> None:
                got.extend([await next_event(consumer), await next_event(consumer)])

            tg.start_soon(read)
            await anyio.wait_all_tasks_blocked()
            again = await http.post(
                "/", content=form_body(data="2"), headers={**FORM_TYPE, **HEADERS}
            )
            assert again.status_code == 200
    assert [e.data for e in got] == ["21.5", "2"]
    receiver.close()
    with pytest.raises(StopAsyncIteration):
        await consumer.__anext__()


def test_the_receiver_needs_no_web_framework() -> None:
    """`import particle_async.webhooks` pulls in neither starlette nor fastapi."""
    code = (
        "import sys, particle_async.webhooks; "
        "print(sorted(m for m in ('starlette', 'fastapi') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
