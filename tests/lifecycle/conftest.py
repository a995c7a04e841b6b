from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every lifecycle cell runs on both backends (the process cells are backend-free)."""
    return str(request.param)
