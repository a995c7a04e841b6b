"""Publishing and SSE streams: exact framing, scopes, prefixes, errors before the stream."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from particle_async.testing import FakeCloud, FakeDevice, FakeEvent, FakeUser

from .conftest import RawSSE, bearer

_ids = itertools.count(5000)
FRAME = re.compile(rb"^event: (?P<name>[^\n]+)\ndata: (?P<data>[^\n]+)\n\n$")


def expected_frame(event: FakeEvent, extra: str = "") -> bytes:
    """Built independently of the fake's encoder: ms-precision UTC with Z, compact JSON."""
    stamp = event.published_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    data = json.dumps(event.data, ensure_ascii=False)  # raw UTF-8, as Node's JSON.stringify
    body = f'{{"data":{data},"ttl":{event.ttl},"published_at":"{stamp}","coreid":"{event.coreid}"{extra}}}'
    return f"event: {event.name}\ndata: {body}\n\n".encode()


def parse(frame: bytes) -> tuple[str, dict[str, object]]:
    match = FRAME.match(frame)
    assert match, frame
    return match["name"].decode(), json.loads(match["data"])


def test_stream_starts_with_ok_then_exact_frames(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    device = cloud.add_device(owner=user)
    with client.stream("GET", "/v1/devices/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-cache"
        sse = RawSSE(response)
        assert sse.frame() == b":ok\n\n"
        event = device.publish("temp", "22.1", ttl=60)
        received = sse.frame()
        assert received == expected_frame(event)
        odd = device.publish("odd", 'quote " newline \n unicode \u00e9 \u2028', ttl=5)
        assert sse.frame() == expected_frame(odd)
    stamp = parse(received)[1]["published_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(stamp))


def test_api_publish_json_and_form(cloud: FakeCloud, client: httpx.Client, user: FakeUser) -> None:
    with client.stream("GET", "/v1/devices/events/door") as response:
        sse = RawSSE(response)
        sse.frame()
        published = client.post(
            "/v1/devices/events", json={"name": "door/open", "data": "front", "ttl": 30}
        )
        assert (published.status_code, published.json()) == (200, {"ok": True})
        name, payload = parse(sse.frame())
        assert (name, payload["data"], payload["ttl"], payload["coreid"]) == (
            "door/open",
            "front",
            30,
            "api",
        )
        client.post("/v1/devices/events", data={"name": "door/closed", "private": "true"})
        assert parse(sse.frame())[1]["data"] == ""
    assert cloud.published[-1].private is True
    missing = client.post("/v1/devices/events", json={"data": "x"})
    assert (missing.status_code, missing.json()["ok"]) == (400, False)


def test_product_device_events_carry_product_id_and_version(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    product = cloud.add_product(next(_ids), members=[user])
    device = cloud.add_device(product_id=product.id, claimed=False, firmware_version=3)
    with client.stream("GET", f"/v1/products/{product.id}/events") as response:
        sse = RawSSE(response)
        sse.frame()
        event = device.publish("temp", "1")
        assert sse.frame() == expected_frame(event, f',"productID":{product.id},"version":3')
        client.post(f"/v1/products/{product.slug}/events", data={"name": "cmd", "data": "go"})
        name, payload = parse(sse.frame())
        assert (name, payload["coreid"], "productID" in payload) == ("cmd", "api", False)


@dataclass
class World:
    """Two products (A in an org, B outside it), one device in each, all the user's."""

    cloud: FakeCloud
    user: FakeUser
    other: FakeUser
    a: FakeDevice
    b: FakeDevice
    outsider: FakeDevice
    product_a: int
    org: str


@pytest.fixture
def world(cloud: FakeCloud, user: FakeUser, other: FakeUser) -> World:
    org = cloud.add_org(f"org-{next(_ids)}", members=[user])
    product_a = cloud.add_product(next(_ids), org=org.slug, members=[user])
    product_b = cloud.add_product(next(_ids), members=[user])
    a = cloud.add_device(owner=user, product_id=product_a.id)
    b = cloud.add_device(owner=user, product_id=product_b.id)
    outsider = cloud.add_device(owner=other)
    return World(cloud, user, other, a, b, outsider, product_a.id, org.slug)


# each scope: its path (with prefix "temp") and an event in reach of the prefix but out of scope
SCOPES: dict[str, tuple[Callable[[World], str], Callable[[World], object]]] = {
    "firehose": (
        lambda w: "/v1/events/temp",
        lambda w: w.outsider.publish("temp", "x", private=True),
    ),
    "mine": (
        lambda w: "/v1/devices/events/temp",
        lambda w: w.outsider.publish("temp", "x", private=False),
    ),
    "device": (lambda w: f"/v1/devices/{w.a.id}/events/temp", lambda w: w.b.publish("temp", "x")),
    "product": (
        lambda w: f"/v1/products/{w.product_a}/events/temp",
        lambda w: w.b.publish("temp", "x"),
    ),
    "product-device": (
        lambda w: f"/v1/products/{w.product_a}/devices/{w.a.id}/events/temp",
        lambda w: w.b.publish("temp", "x"),
    ),
    "org": (lambda w: f"/v1/orgs/{w.org}/events/temp", lambda w: w.b.publish("temp", "x")),
    "org-device": (
        lambda w: f"/v1/orgs/{w.org}/devices/{w.a.id}/events/temp",
        lambda w: w.b.publish("temp", "x"),
    ),
    "org-product": (
        lambda w: f"/v1/orgs/{w.org}/products/{w.product_a}/events/temp",
        lambda w: w.b.publish("temp", "x"),
    ),
}


@pytest.mark.parametrize("scope", list(SCOPES))
def test_scope_and_prefix_filtering(world: World, client: httpx.Client, scope: str) -> None:
    path, out_of_scope = SCOPES[scope]
    with client.stream("GET", path(world)) as response:
        assert response.status_code == 200
        sse = RawSSE(response)
        assert sse.frame() == b":ok\n\n"
        world.a.publish("humidity", "no")  # in scope, wrong prefix
        out_of_scope(world)
        world.a.publish("temperature", "yes")  # frames arrive in order: nothing leaked before it
        name, payload = parse(sse.frame())
        assert (name, payload["data"], payload["coreid"]) == ("temperature", "yes", world.a.id)


def test_firehose_shows_others_public_events(world: World, client: httpx.Client) -> None:
    with client.stream("GET", "/v1/events") as response:
        sse = RawSSE(response)
        sse.frame()
        world.outsider.publish("secret", "x", private=True)
        world.outsider.publish("public", "y", private=False)
        assert parse(sse.frame())[0] == "public"


def test_prefix_is_url_decoded_and_may_hold_slashes(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    device = cloud.add_device(owner=user, variables={"v": 1})
    with client.stream("GET", "/v1/devices/events/spark%2Fstatus") as response:
        sse = RawSSE(response)
        sse.frame()
        device.publish("spark", "not this one")
        device.go_offline()
        assert parse(sse.frame())[0:1] == ("spark/status",)
        assert client.get(f"/v1/devices/{device.id}/v").status_code == 404
        device.go_online()
        assert [parse(sse.frame())[1]["data"]] == ["online"]
    assert [e.data for e in cloud.published[-2:]] == ["offline", "online"]


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/v1/devices/{theirs}/events", 403, {"ok": False, "error": "Permission Denied"}),
        (f"/v1/devices/{'0' * 24}/events/x", 404, {"ok": False, "error": "Device not found."}),
        ("/v1/products/nope/events", 404, {"ok": False, "error": "Product not found."}),
    ],
)
def test_errors_come_before_the_stream_as_json(
    cloud: FakeCloud,
    client: httpx.Client,
    other: FakeUser,
    path: str,
    status: int,
    body: dict[str, object],
) -> None:
    theirs = cloud.add_device(owner=other)
    with client.stream("GET", path.format(theirs=theirs.id)) as response:
        response.read()
    assert (response.status_code, response.headers["content-type"]) == (status, "application/json")
    assert response.json() == body
    assert cloud.open_streams == 0


def test_stream_auth_errors(cloud: FakeCloud) -> None:
    with httpx.Client(base_url=cloud.base_url) as http:
        assert http.get("/v1/devices/events").status_code == 400
        assert http.get("/v1/devices/events", headers=bearer("f" * 40)).status_code == 401
