"""Test doubles shared by the suite: a clock we control, and a respx-backed client."""

from __future__ import annotations

import anyio
import httpx
import respx

from particle_async import NOT_GIVEN, Particle, RetryPolicy

BASE = "https://api.particle.test"
TOKEN = "0123456789abcdef0123456789abcdef01234567"


class FakeClock:
    """Virtual time: `sleep` records the delay, advances `now` and yields once."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)
        await anyio.lowlevel.checkpoint()


def mocked_client(
    router: respx.Router, *, clock: FakeClock | None = None, retry: RetryPolicy | None = None
) -> tuple[Particle, httpx.AsyncClient]:
    """A Particle whose HTTP goes to `router`; no rate limiter, virtual time for retries."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    cloud = Particle(
        token=TOKEN,
        base_url=BASE,
        http_client=http,
        rate_limiter=None,
        clock=clock or FakeClock(),
        retry=retry if retry is not None else NOT_GIVEN,
    )
    return cloud, http
