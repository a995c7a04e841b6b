"""Edges shared by the distributed modules: the asyncio-only check and reply decoding.

redis-py's asyncio client is built on asyncio streams and has no trio (or anyio) backend,
so every public coroutine of this package checks the running loop first and raises a
clear `UnsupportedBackendError` instead of an obscure failure deep inside redis-py.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ._errors import UnsupportedBackendError

__all__ = ["REDIS_DOWN", "REDIS_FAILURES", "require_asyncio", "text"]

try:
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import RedisError as _RedisError
    from redis.exceptions import TimeoutError as _RedisTimeoutError
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "particle_async.distributed needs redis-py: pip install 'particle_async[redis]'"
    ) from exc

REDIS_DOWN: tuple[type[BaseException], ...] = (
    _RedisConnectionError,
    _RedisTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)
"""What "Redis is unreachable (for now)" looks like: these are retried, never raised raw."""

REDIS_FAILURES: tuple[type[BaseException], ...] = (*REDIS_DOWN, _RedisError)
"""Any failure of a Redis call: unreachable, or an error reply."""


def require_asyncio(what: str) -> None:
    """Raise `UnsupportedBackendError` unless we run under asyncio."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise UnsupportedBackendError(
            f"{what} needs asyncio: redis-py's asyncio client does not run on trio"
        ) from None


def text(value: Any) -> str:
    """A reply as `str` whether the client decodes responses or not."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
