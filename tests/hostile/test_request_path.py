"""The request path's shortcuts (issue 14) behave as the long way round did, on both backends.

The shortcuts: the request built without `httpx.AsyncClient.build_request` (headers merged
once per client, token and client headers), one attempt inline before any retry machinery,
a body already in memory taken as it is, and path segments that need no escaping left as
they are. The deadline stays an anyio scope (a native asyncio cancel would break through
the shields httpcore closes a response under): the tests here pin that too.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from urllib.parse import quote

import anyio
import anyio.lowlevel
import httpx
import pytest

from particle_async import (
    ClientClosedError,
    NetworkTimeoutError,
    Particle,
    ResponseDecodeError,
    RetryPolicy,
    ServerError,
)
from particle_async._json import _loads_msgspec
from particle_async._version import __version__
from particle_async.resources._base import path

from ..helpers import TOKEN
from ._support import client
from .rawserver import Conn, raw_server, reply, silent

ANSWER = json.dumps({"name": "temperature", "result": 21.5}).encode()
OTHER_TOKEN = "f" * 40


async def trickle(conn: Conn) -> None:
    """A head promising 10 kB, then one byte every 50 ms: never a read timeout."""
    await conn.send_head(200, {"Content-Type": "application/json", "Content-Length": "10000"})
    while True:
        await conn.send(b" ")
        await anyio.sleep(0.05)


@pytest.mark.anyio
async def test_deadline_cuts_a_slow_body_and_leaves_the_task_usable() -> None:
    policy = RetryPolicy(deadline=0.3)
    async with raw_server(trickle, reply(200, ANSWER)) as server:
        async with client(server, clock=None, retry=policy, timeout=5) as cloud:
            start = time.monotonic()
            with anyio.fail_after(5), pytest.raises(NetworkTimeoutError):
                await cloud.devices.get_variable("dev1", "temperature")
            assert time.monotonic() - start < 1.0
            await anyio.lowlevel.checkpoint()  # no cancellation left pending on this task
            with anyio.fail_after(5):
                assert await cloud.devices.get_variable("dev1", "temperature") == 21.5


@pytest.mark.anyio
async def test_an_enclosing_cancellation_is_not_taken_for_the_deadline() -> None:
    policy = RetryPolicy(deadline=30)
    async with raw_server(silent, reply(200, ANSWER)) as server:
        async with client(server, retry=policy, timeout=30) as cloud:
            with anyio.fail_after(5):
                with anyio.move_on_after(0.2) as outer:
                    await cloud.devices.get_variable("dev1", "temperature")
                assert outer.cancelled_caught
                await anyio.lowlevel.checkpoint()
                assert await cloud.devices.get_variable("dev1", "temperature") == 21.5


@pytest.mark.anyio
@pytest.mark.parametrize("outer_delay", [0.15, 0.2, 0.25])
async def test_an_enclosing_cancellation_at_the_deadline_is_one_or_the_other(
    outer_delay: float,
) -> None:
    """Whichever fires first wins; the other is not lost, nor delivered twice."""
    policy = RetryPolicy(deadline=0.2, max_attempts=1)
    async with raw_server(silent) as server:
        async with client(server, retry=policy, timeout=30) as cloud:
            with anyio.fail_after(5):
                timed_out = False
                with anyio.move_on_after(outer_delay) as outer:
                    try:
                        await cloud.devices.get_variable("dev1", "temperature")
                    except NetworkTimeoutError:
                        timed_out = True
                        await anyio.sleep(1)  # the enclosing scope still fires
                assert outer.cancelled_caught
                if outer_delay < 0.2:
                    assert not timed_out
                await anyio.lowlevel.checkpoint()


@pytest.mark.anyio
async def test_the_deadline_waits_for_a_shielded_step_inside_the_call() -> None:
    """A shielded step inside the call (httpcore closing a response, here a response hook)
    runs to its end; the deadline then ends the call."""
    finished: list[str] = []

    async def hook(response: httpx.Response) -> None:
        with anyio.CancelScope(shield=True):
            await anyio.sleep(0.3)
            finished.append("shielded")

    async with raw_server(trickle) as server:
        async with httpx.AsyncClient(event_hooks={"response": [hook]}) as http:
            async with client(server, http_client=http, retry=RetryPolicy(deadline=0.1)) as cloud:
                with anyio.fail_after(5), pytest.raises(NetworkTimeoutError):
                    await cloud.devices.get_variable("dev1", "temperature")
    assert finished == ["shielded"]


@pytest.mark.anyio
async def test_closing_the_client_ends_a_call_in_flight() -> None:
    async with raw_server(silent) as server:
        cloud = client(server, retry=RetryPolicy(deadline=30), timeout=30)
        caught: list[BaseException] = []

        async def call() -> None:
            try:
                await cloud.devices.get_variable("dev1", "temperature")
            except ClientClosedError as exc:
                caught.append(exc)

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                await server.wait_requests(1)
                await cloud.aclose()
        assert len(caught) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_native_cancellation_along_with_the_deadline_is_not_lost() -> None:
    """Another task cancels the call while the deadline fires (the client closing cancels
    it at once): the call ends cancelled, not with the deadline's error."""
    async with raw_server(silent) as server:
        cloud = client(server, retry=RetryPolicy(deadline=30), timeout=30)
        call = asyncio.ensure_future(cloud.devices.get_variable("dev1", "temperature"))
        with anyio.fail_after(5):
            await server.wait_requests(1)
            call.cancel()
            await cloud.aclose()
            await asyncio.wait([call])
        assert call.cancelled()


@pytest.mark.anyio
async def test_a_retryable_failure_still_retries() -> None:
    async with raw_server(reply(503, b"{}"), reply(200, ANSWER)) as server:
        async with client(server) as cloud:
            with anyio.fail_after(5):
                assert await cloud.devices.get_variable("dev1", "temperature") == 21.5
    assert [r.path for r in server.requests] == ["/v1/devices/dev1/temperature"] * 2


@pytest.mark.anyio
async def test_a_function_call_is_not_resent() -> None:
    async with raw_server(reply(503, b"{}"), reply(200, b"{}")) as server:
        async with client(server) as cloud:
            with anyio.fail_after(5), pytest.raises(ServerError):
                await cloud.devices.call_function("dev1", "brew", "x")
    assert len(server.requests) == 1


@pytest.mark.anyio
async def test_headers_follow_the_borrowed_client_and_the_token() -> None:
    async with raw_server(reply(200, ANSWER)) as server:
        async with httpx.AsyncClient(headers={"X-Extra": "1", "User-Agent": "theirs"}) as http:
            async with client(server, http_client=http) as cloud:
                with anyio.fail_after(5):
                    await cloud.devices.get_variable("dev1", "temperature")
                    http.headers["X-Extra"] = "2"
                    await cloud.devices.get_variable("dev1", "temperature")
                    cloud.use_token(OTHER_TOKEN)
                    await cloud.devices.get_variable("dev1", "temperature")
    first, second, third = (r.headers for r in server.requests)
    assert first["user-agent"].startswith(f"particle_async/{__version__} ")
    assert first["accept"] == "application/json"
    assert first["authorization"] == f"Bearer {TOKEN}"
    assert (first["x-extra"], second["x-extra"], third["x-extra"]) == ("1", "2", "2")
    assert third["authorization"] == f"Bearer {OTHER_TOKEN}"


@pytest.mark.anyio
async def test_cookies_and_params_of_a_borrowed_client_still_apply() -> None:
    async with raw_server(reply(200, ANSWER)) as server:
        async with httpx.AsyncClient(params={"a": "1"}, cookies={"c": "v"}) as http:
            async with client(server, http_client=http) as cloud:
                with anyio.fail_after(5):
                    await cloud.devices.get_variable("dev1", "temperature")
    (request,) = server.requests
    assert request.path == "/v1/devices/dev1/temperature?a=1"
    assert request.headers["cookie"] == "c=v"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.anyio
async def test_the_quick_request_is_the_one_build_request_makes() -> None:
    """Same method, URL, headers (as a multiset) and timeout as the client would build."""
    async with httpx.AsyncClient(headers={"X-Extra": "1"}) as http:
        cloud = Particle(token=TOKEN, base_url="http://127.0.0.1:9", http_client=http)
        transport = cloud._transport
        quick = transport.build_request("GET", "/v1/devices", params={"a": True, "b": None})
        slow = http.build_request(
            "GET",
            "http://127.0.0.1:9/v1/devices",
            params={"a": "true"},
            headers=transport._merge_headers(None, True),
            timeout=transport.timeout,
        )
        assert (quick.method, quick.url) == (slow.method, slow.url)
        assert sorted(quick.headers.multi_items()) == sorted(slow.headers.multi_items())
        assert quick.extensions == slow.extensions
        await cloud.aclose()


@pytest.mark.anyio
async def test_a_body_already_in_memory_is_capped_too() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"result": "' + b"x" * 100 + b'"}')

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        cloud = Particle(
            token=TOKEN, base_url="http://mock", http_client=http, rate_limiter=None,
            max_body_bytes=50,
        )  # fmt: skip
        async with cloud:
            with pytest.raises(ResponseDecodeError, match="max_body_bytes=50"):
                await cloud.devices.get_variable("dev1", "temperature")


@pytest.mark.anyio
async def test_a_big_integer_answer_stays_exact() -> None:
    body = b'{"name": "n", "result": 98765432109876543210}'
    async with raw_server(reply(200, body)) as server:
        async with client(server) as cloud:
            with anyio.fail_after(5):
                assert await cloud.devices.get_variable("dev1", "n") == 98765432109876543210


BODIES = [
    b'{"name": "temperature", "result": 21.5, "coreInfo": {}}',
    b'{"a": NaN, "b": [Infinity, -Infinity]}',
    b"123456789012345678901234567890",
    b"[98765432109876543210, -9223372036854775809, 9223372036854775807]",
    b'{"iccid": "89014103211118510720"}',
    b"0.12345678901234567890123",
    b"1e400",
    b"-0",
    b" [1] ",
    b'{"x": 1.0000000000000002}',
    b'{"a": 1, "a": 2}',
    b'"\\ud800"',
    b'{"a": "\\u00e9\\n"}',
    '{"é": "ü"}'.encode(),
    b'\xef\xbb\xbf{"a": 1}',
    '{"a": "é"}'.encode("utf-16"),
    b"[" * 5000 + b"]" * 5000,
    b"[" * 400 + b"]" * 400,
    b"\xff",
    b"tru",
    b"{}x",
]


@pytest.mark.parametrize("body", BODIES)
def test_a_body_reads_as_the_stdlib_reads_it(body: bytes) -> None:
    """With the `speedups` extra too: same value, same type, or the same error."""
    pytest.importorskip("msgspec")
    assert outcome(_loads_msgspec, body) == outcome(json.loads, body)


def outcome(loads: Callable[[bytes], object], body: bytes) -> str:
    """What reading `body` gives: the value's repr (NaN is not equal to itself), or the
    name of the error."""
    try:
        return repr(loads(body))
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__


@pytest.mark.parametrize("seed", range(3))
def test_random_bodies_read_as_the_stdlib_reads_them(seed: int) -> None:
    """A differential fuzz of the bytes reader: what msgspec accepts reads as `json.loads`
    reads it; what it refuses falls to `json.loads` (so the same value or the same error)."""
    pytest.importorskip("msgspec")
    rng = random.Random(seed)
    alphabet = [*'{}[]",:0123456789.eE+- \t\ntrufalsn\\u', "\u00e9", "\U0001f600"]
    for _ in range(4000):
        text = "".join(rng.choices(alphabet, k=rng.randint(1, 14)))
        body = text.encode("utf-16" if rng.random() < 0.05 else "utf-8")
        assert outcome(_loads_msgspec, body) == outcome(json.loads, body), body


class Shouty(str):
    def __str__(self) -> str:
        return self.upper()


@pytest.mark.parametrize(
    "part",
    ["0123456789abcdef01234567", "temp_1.x~-", "", ".", "..", "a/b", "x?y", "é", "a b", "%41",
     7, Shouty("ab")],
)  # fmt: skip
def test_a_path_segment_is_quoted_as_quote_does(part: object) -> None:
    assert path("/v1/{}/x", part) == "/v1/" + quote(str(part), safe="") + "/x"
