"""The errors of the distributed mode: all of them are `ParticleError`s."""

from __future__ import annotations

from .._errors import ParticleError

__all__ = ["DistributedError", "RedisUnavailableError", "UnsupportedBackendError"]


class DistributedError(ParticleError):
    """Something in the Redis-backed distributed mode failed (a bad reply, a bad key type)."""


class RedisUnavailableError(DistributedError):
    """Redis could not be reached before the caller's deadline passed."""


class UnsupportedBackendError(DistributedError):
    """The distributed mode ran outside asyncio: redis-py's client does not run on trio."""
