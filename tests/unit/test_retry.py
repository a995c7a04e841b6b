"""What is retried, how often, how long we wait; what is never re-sent."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
import respx

from particle_async import (
    BadRequestError,
    ConnectError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    Particle,
    RateLimitedError,
    RateLimiter,
    RetryPolicy,
    ServerError,
    UnauthorizedError,
)
from particle_async._retry import backoff_delay, is_retryable, parse_retry_after

from ..helpers import FakeClock, mocked_client

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "junk", "retry-after": "2"}, 2.0),
        ({"retry-after": "Thu, 01 Jan 2026 12:00:07 GMT"}, 7.0),
        ({"retry-after": "Thu, 01 Jan 2026 11:59:00 GMT"}, 0.0),
        ({"retry-after": "soon"}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers(headers), now=NOW) == expected


@pytest.mark.parametrize(
    ("attempt", "rand", "expected"),
    [(1, 0.0, 0.25), (1, 1.0, 0.5), (2, 0.5, 0.75), (3, 1.0, 2.0), (10, 1.0, 8.0), (10, 0.0, 4.0)],
)
def test_backoff_is_capped_exponential_with_equal_jitter(
    attempt: int, rand: float, expected: float
) -> None:
    assert backoff_delay(attempt, RetryPolicy(), lambda: rand) == expected


def test_is_retryable_table() -> None:
    def api(cls: type, status: int) -> Exception:
        return cls("x", status=status)  # type: ignore[no-any-return]

    assert is_retryable(ConnectError("x"), idempotent=False)
    assert is_retryable(api(RateLimitedError, 429), idempotent=False)
    assert is_retryable(NetworkError("x"), idempotent=True)
    assert not is_retryable(NetworkError("x"), idempotent=False)
    for status in (502, 503, 504):
        assert is_retryable(api(ServerError, status), idempotent=True)
        assert not is_retryable(api(ServerError, status), idempotent=False)
    assert not is_retryable(api(ServerError, 500), idempotent=True)
    assert not is_retryable(api(UnauthorizedError, 401), idempotent=True)
    assert not is_retryable(ValueError("x"), idempotent=True)


async def test_get_retries_503_then_succeeds(
    cloud: Particle, router: respx.Router, clock: FakeClock
) -> None:
    route = router.get("/v1/user").mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(503),
            httpx.Response(200, json={"username": "u"}),
        ]
    )
    user = await cloud.user.get()
    assert user.username == "u"
    assert route.call_count == 3
    assert len(clock.sleeps) == 2
    assert 0.25 <= clock.sleeps[0] <= 0.5
    assert 0.5 <= clock.sleeps[1] <= 1.0


async def test_gives_up_after_max_attempts(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/user").respond(504)
    with pytest.raises(ServerError):
        await cloud.user.get()
    assert route.call_count == 4


async def test_429_honours_retry_after(
    cloud: Particle, router: respx.Router, clock: FakeClock
) -> None:
    route = router.post("/v1/devices/d/f").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json={"error": "Too many requests"}),
            httpx.Response(200, json={"return_value": 7}),
        ]
    )
    assert await cloud.devices.call_function("d", "f") == 7  # a 429 was never processed: safe
    assert route.call_count == 2
    assert clock.sleeps == [2.0]


async def test_429_with_http_date(cloud: Particle, router: respx.Router, clock: FakeClock) -> None:
    later = "Wed, 01 Jan 2098 00:00:00 GMT"  # capped, still beyond the deadline: give up
    route = router.get("/v1/user").respond(429, headers={"Retry-After": later})
    with pytest.raises(RateLimitedError) as caught:
        await cloud.user.get()
    assert route.call_count == 1
    assert clock.sleeps == []
    assert caught.value.retry_after == RetryPolicy().max_retry_after


async def test_429_pauses_the_shared_limiter(router: respx.Router) -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    cloud = Particle(
        token="t" * 40,
        base_url="https://api.particle.test",
        http_client=http,
        rate_limiter=limiter,
        clock=clock,
        retry=RetryPolicy(max_attempts=1),
    )
    router.get("/v1/user").respond(429, headers={"Retry-After": "5"})
    async with http, cloud:
        with pytest.raises(RateLimitedError):
            await cloud.user.get()
        assert limiter.statistics().paused_until == clock.now() + 5
        router.get("/v1/devices").respond(json=[])
        start = clock.now()
        await cloud.devices.list()
        assert clock.now() - start == 5


async def test_function_call_is_not_resent_after_read_timeout(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.post("/v1/devices/d/brew").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(NetworkError) as caught:
        await cloud.devices.call_function("d", "brew", "x")
    assert not isinstance(caught.value, ConnectError)
    assert route.call_count == 1


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_publish_is_not_resent_after_gateway_error(
    cloud: Particle, router: respx.Router, status: int
) -> None:
    route = router.post("/v1/devices/events").respond(status)
    with pytest.raises(ServerError):
        await cloud.events.publish("door", "open")
    assert route.call_count == 1


async def test_function_call_is_retried_on_connect_error(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.post("/v1/devices/d/brew").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json={"return_value": 1})]
    )
    assert await cloud.devices.call_function("d", "brew") == 1
    assert route.call_count == 2


async def test_get_is_retried_on_read_timeout(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/user").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={"username": "u"})]
    )
    await cloud.user.get()
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (500, ServerError),
    ],
)
async def test_never_retried(
    cloud: Particle, router: respx.Router, status: int, cls: type[Exception]
) -> None:
    route = router.get("/v1/user").respond(status, json={"error": "no"})
    with pytest.raises(cls):
        await cloud.user.get()
    assert route.call_count == 1


async def test_connect_errors_exhaust_to_connect_error(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.get("/v1/user").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ConnectError, match="ConnectError: refused"):
        await cloud.user.get()
    assert route.call_count == 4


async def test_retry_policy_is_configurable(router: respx.Router) -> None:
    cloud, http = mocked_client(router, retry=RetryPolicy(max_attempts=2))
    route = router.get("/v1/user").respond(503)
    async with http, cloud:
        with pytest.raises(ServerError):
            await cloud.user.get()
    assert route.call_count == 2
