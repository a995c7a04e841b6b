from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import respx

from particle_async import Particle

from .helpers import BASE, FakeClock, mocked_client


@pytest.fixture
def anyio_backend() -> str:
    """Unit and API tests run on asyncio; the streaming and integration suites override
    this to run on trio too."""
    return "asyncio"


@pytest.fixture
def router() -> respx.Router:
    return respx.Router(base_url=BASE, assert_all_called=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def cloud(router: respx.Router, clock: FakeClock) -> AsyncIterator[Particle]:
    client, http = mocked_client(router, clock=clock)
    async with http, client:
        yield client
