"""The seams later work lands on: typed options, `with_options`, the limiter protocol,
one wire→model mapping, and no connection left open after retries, errors or cancels."""

from __future__ import annotations

import contextlib
import json

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from particle_async import (
    NOT_GIVEN,
    ClientClosedError,
    ConfigurationError,
    Event,
    Limiter,
    NetworkError,
    Particle,
    ParticleError,
    RateLimiter,
    RateLimiterStatistics,
    RetryPolicy,
)
from particle_async.streaming._convert import to_event

from ..helpers import BASE, TOKEN, FakeClock

pytestmark = pytest.mark.anyio


def test_not_given_is_falsy_and_distinct_from_none() -> None:
    assert not NOT_GIVEN
    assert NOT_GIVEN is not None
    assert repr(NOT_GIVEN) == "NOT_GIVEN"


def test_none_means_none_for_each_option() -> None:
    cloud = Particle(token=TOKEN, base_url=BASE, timeout=None, rate_limiter=None)
    assert cloud.rate_limiter is None
    assert cloud._transport.timeout == httpx.Timeout(None)
    default = Particle(token=TOKEN, base_url=BASE)
    assert isinstance(default.rate_limiter, RateLimiter)
    assert default._transport.timeout.read == 60.0


@pytest.mark.parametrize("url", ["api.particle.io", "ftp://x", "/v1"])
def test_base_url_without_http_is_rejected_at_once(url: str) -> None:
    with pytest.raises(ConfigurationError, match="http"):
        Particle(token=TOKEN, base_url=url)


async def test_with_options_shares_connections_token_and_lifecycle() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"username": "u"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with http:
        cloud = Particle(token=TOKEN, base_url=BASE, http_client=http, rate_limiter=None)
        slow = cloud.with_options(timeout=300, retry=RetryPolicy(max_attempts=1))
        assert slow._transport.http is cloud._transport.http
        assert slow._transport.timeout.read == 300
        assert slow._transport.retry.max_attempts == 1
        assert cloud._transport.timeout.read == 60  # the parent is unchanged
        assert slow.rate_limiter is cloud.rate_limiter
        other = "f" * 40
        cloud.use_token(other)  # one token for both
        await slow.user.get()
        assert seen == [f"Bearer {other}"]
        await slow.aclose()  # closes nothing
        await cloud.user.get()
        await cloud.aclose()
        with pytest.raises(ClientClosedError):
            await slow.user.get()


class SlowIOLimiter:
    """A limiter double whose `pause` does async I/O, as a Redis limiter would."""

    def __init__(self) -> None:
        self.acquired = 0
        self.paused: list[float] = []

    async def acquire(self) -> None:
        await anyio.lowlevel.checkpoint()
        self.acquired += 1

    async def pause(self, seconds: float) -> None:
        await anyio.lowlevel.checkpoint()  # a round trip
        self.paused.append(seconds)

    def statistics(self) -> RateLimiterStatistics:
        return RateLimiterStatistics(
            granted=self.acquired, waiting=0, total_wait=0.0, paused_until=0.0
        )


async def test_any_limiter_protocol_object_works_and_pause_is_awaited() -> None:
    limiter = SlowIOLimiter()
    assert isinstance(limiter, Limiter)
    router = respx.Router(base_url=BASE)
    router.get("/v1/user").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(200, json={"username": "u"}),
        ]
    )
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    async with (
        http,
        Particle(
            token=TOKEN, base_url=BASE, http_client=http, rate_limiter=limiter, clock=FakeClock()
        ) as cloud,
    ):
        user = await cloud.user.get()
    assert user.username == "u"
    assert limiter.paused == [3.0]
    assert limiter.acquired == 2


async def test_wrapped_errors_keep_their_cause() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset by peer", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with (
        http,
        Particle(
            token=TOKEN,
            base_url=BASE,
            http_client=http,
            rate_limiter=None,
            retry=RetryPolicy(max_attempts=1),
        ) as cloud,
    ):
        with pytest.raises(NetworkError) as caught:
            await cloud.user.get()
    assert isinstance(caught.value.__cause__, httpx.ReadError)


ENVELOPES = [
    {"data": "1", "ttl": 60, "published_at": "2026-01-01T00:00:00.000Z", "coreid": "abc"},
    {"data": "1", "ttl": "60", "public": "false", "published_at": "2026-01-01T00:00:00Z"},
    {"data": "1", "ttl": "30", "public": "true", "productID": "42", "version": "3"},
    {"data": 5, "ttl": 60.0, "public": False, "productID": 42, "version": 3},
    {"data": None, "public": "1", "published_at": 1767225600},
    {"data": "x", "public": "no", "ttl": None},
]


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_one_wire_mapping_for_streams_and_models(envelope: dict[str, object]) -> None:
    fast = to_event("temp", json.dumps(envelope))
    slow = Event.from_api({"event": "temp", **envelope})
    for field in ("name", "ttl", "published_at", "device_id", "product_id", "version", "public"):
        assert getattr(fast, field) == getattr(slow, field), field
    assert fast.data == (None if envelope["data"] is None else str(envelope["data"]))
    assert not fast.malformed


def test_public_false_as_a_string_is_false() -> None:
    assert to_event("e", '{"data":"1","public":"false"}').public is False
    assert Event.from_api({"public": "false"}).public is False


class ConnectionCounter(httpx.AsyncBaseTransport):
    """A real httpx transport to a local server, counting responses left unclosed."""

    def __init__(self, handler: httpx.MockTransport):
        self.inner = handler
        self.open = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.open += 1
        counter = self

        class Tracked(httpx.AsyncByteStream):
            def __init__(self, stream: httpx.AsyncByteStream):
                self.stream = stream

            async def __aiter__(self):  # type: ignore[no-untyped-def]
                async for chunk in self.stream:
                    yield chunk

            async def aclose(self) -> None:
                counter.open -= 1
                await self.stream.aclose()

        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=Tracked(response.stream),
            request=request,
        )


@pytest.mark.parametrize(
    "answers",
    [
        [503, 503, 200],
        [429, 200],
        [500],
        [401],
        [200],
    ],
)
async def test_no_response_is_left_open(answers: list[int]) -> None:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        return httpx.Response(status, json={"username": "u", "error": "x"})

    counter = ConnectionCounter(httpx.MockTransport(handler))
    http = httpx.AsyncClient(transport=counter)
    async with (
        http,
        Particle(
            token=TOKEN, base_url=BASE, http_client=http, rate_limiter=None, clock=FakeClock()
        ) as cloud,
    ):
        with contextlib.suppress(ParticleError):
            await cloud.user.get()
    assert counter.open == 0


async def test_no_response_is_left_open_after_cancellation() -> None:
    release = anyio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        async def body():  # type: ignore[no-untyped-def]
            yield b'{"user'
            await release.wait()
            yield b'name": "u"}'

        return httpx.Response(200, content=body())

    counter = ConnectionCounter(httpx.MockTransport(handler))
    http = httpx.AsyncClient(transport=counter)
    async with http, Particle(token=TOKEN, base_url=BASE, http_client=http) as cloud:
        with anyio.move_on_after(0.05):
            await cloud.user.get()
    assert counter.open == 0


async def test_streams_are_spread_over_stream_clients() -> None:
    """httpcore's pool slows with its connection count: 4,000 streams opened at once on one
    client never all connected (benchmarks/RESULTS.md); 500 share one client."""
    from particle_async.resources.events import STREAMS_PER_POOL

    cloud = Particle(token=TOKEN, base_url=BASE, rate_limiter=None)
    streams = [cloud.events.subscribe("x") for _ in range(STREAMS_PER_POOL + 1)]
    first, last = streams[0]._http(), streams[-1]._http()
    assert first is streams[STREAMS_PER_POOL - 1]._http()
    assert last is not first
    assert first is cloud.stream_http()
    await cloud.aclose()
    assert first.is_closed
    assert last.is_closed


async def test_a_borrowed_stream_client_serves_every_stream() -> None:
    async with httpx.AsyncClient() as mine:
        cloud = Particle(token=TOKEN, base_url=BASE, stream_http_client=mine)
        streams = [cloud.events.subscribe("x") for _ in range(600)]
        assert {id(s._http()) for s in streams} == {id(mine)}
        await cloud.aclose()
        assert not mine.is_closed
