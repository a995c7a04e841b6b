"""What the hostile tests share: a client pointed at a raw server, and bounded reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio

from particle_async import ConfigurationError, Event, NetworkTimeoutError, Particle

from ..helpers import TOKEN, FakeClock
from .rawserver import RawServer

__all__ = ["ConfigurationError", "NetworkTimeoutError", "client", "take"]


def client(server: RawServer, **kwargs: Any) -> Particle:
    """A client of `server`: no rate limiter, virtual time for backoff sleeps by default."""
    kwargs.setdefault("rate_limiter", None)
    kwargs.setdefault("clock", FakeClock())
    return Particle(token=TOKEN, base_url=server.url, **kwargs)


async def take(stream: AsyncIterator[Event], n: int, within: float = 5.0) -> list[Event]:
    got: list[Event] = []
    with anyio.fail_after(within):
        async for event in stream:
            got.append(event)
            if len(got) == n:
                break
    return got
