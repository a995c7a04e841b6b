from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """The relay runs under uvicorn, in the test's event loop: asyncio."""
    return "asyncio"
