"""What the hostile tests share: a client pointed at a raw server, and bounded reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio

import particle_async
from particle_async import Event, Particle

from ..helpers import TOKEN, FakeClock
from .rawserver import RawServer


def _name(name: str, base: type[Exception]) -> type[Exception]:
    """The library's class, or (before it exists) a stand-in that nothing ever raises."""
    found = getattr(particle_async, name, None)
    return found if found is not None else type(name, (base,), {})


NetworkTimeoutError = _name("NetworkTimeoutError", particle_async.NetworkError)
ConfigurationError = _name("ConfigurationError", particle_async.ParticleError)


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
