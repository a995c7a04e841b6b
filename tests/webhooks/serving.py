"""The webhook tests' uvicorn: `tests.serving.serve` with no lifespan (a bare receiver
has none) and a short shutdown grace."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, Literal

from ..serving import serve as _serve


@contextlib.asynccontextmanager
async def serve(app: Any, *, lifespan: Literal["on", "off", "auto"] = "off") -> AsyncIterator[str]:
    """Run `app` under uvicorn on a fresh loopback socket; yields its base URL."""
    async with _serve(app, lifespan=lifespan, grace=2.0) as url:
        yield url
