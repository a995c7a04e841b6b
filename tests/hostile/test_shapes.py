"""Item 11: a 200 whose JSON has the wrong shape is a ResponseDecodeError naming the endpoint."""

from __future__ import annotations

import anyio
import pytest

from particle_async import Particle, ResponseDecodeError

from ._support import client
from .rawserver import raw_server, reply

pytestmark = pytest.mark.anyio

NOT_AN_OBJECT = {"null": b"null", "number": b"42", "string": b'"abc"', "list": b"[1,2]"}


async def decode_error(body: bytes, call) -> ResponseDecodeError:  # type: ignore[no-untyped-def]
    async with raw_server(reply(200, body)) as server, client(server) as cloud:
        with anyio.fail_after(5), pytest.raises(ResponseDecodeError) as caught:
            await call(cloud)
    return caught.value


@pytest.mark.parametrize("body", list(NOT_AN_OBJECT.values()), ids=list(NOT_AN_OBJECT))
async def test_device_get_wants_an_object(body: bytes) -> None:
    error = await decode_error(body, lambda cloud: cloud.devices.get("0123456789abcdef01234567"))
    assert "/v1/devices/" in str(error)


@pytest.mark.parametrize("body", list(NOT_AN_OBJECT.values()), ids=list(NOT_AN_OBJECT))
async def test_user_get_wants_an_object(body: bytes) -> None:
    error = await decode_error(body, lambda cloud: cloud.user.get())
    assert "/v1/user" in str(error)


BAD_LISTS = {
    "string": b'"abc"',
    "object": b'{"x":1}',
    "number": b"42",
    "list-of-numbers": b"[1,2,3]",
    "list-of-strings": b'["abc","def"]',
    "devices-is-a-string": b'{"devices":"abc"}',
}


@pytest.mark.parametrize("body", list(BAD_LISTS.values()), ids=list(BAD_LISTS))
async def test_device_list_wants_a_list_of_objects(body: bytes) -> None:
    error = await decode_error(body, lambda cloud: cloud.devices.list())
    assert "/v1/devices" in str(error)


BAD_PAGES = {
    "string": b'"abc"',
    "number": b"42",
    "items-is-a-string": b'{"devices":"abc","meta":{"total_pages":1}}',
    "items-of-numbers": b'{"devices":[1,2],"meta":{"total_pages":1}}',
}


@pytest.mark.parametrize("body", list(BAD_PAGES.values()), ids=list(BAD_PAGES))
async def test_paged_product_devices_want_a_page(body: bytes) -> None:
    error = await decode_error(body, lambda cloud: cloud.products.devices.list(1234))
    assert "/v1/products/1234/devices" in str(error)


@pytest.mark.parametrize("body", list(BAD_PAGES.values()), ids=list(BAD_PAGES))
async def test_paged_customers_want_a_page(body: bytes) -> None:
    error = await decode_error(body.replace(b"devices", b"customers"), _customers)
    assert "/v1/products/1234/customers" in str(error)


async def _customers(cloud: Particle) -> object:
    return await cloud.customers.list(1234)


async def test_good_shapes_still_parse() -> None:
    """The checks must not refuse what the API really sends."""
    device = b'{"id":"0123456789abcdef01234567","name":"d1","connected":true}'
    scripts = (
        reply(200, device),
        reply(200, b"[" + device + b"]"),
        reply(200, b'{"username":"a@example.com"}'),
        reply(200, b'{"devices":[' + device + b'],"customers":[],"meta":{"total_pages":1}}'),
    )
    async with raw_server(*scripts) as server, client(server) as cloud:
        with anyio.fail_after(5):
            assert (await cloud.devices.get("0123456789abcdef01234567")).name == "d1"
            assert [d.name for d in await cloud.devices.list()] == ["d1"]
            assert (await cloud.user.get()).username == "a@example.com"
            assert [d.name for d in (await cloud.products.devices.list(1234)).items] == ["d1"]
