"""The flat public face: `__all__` is pinned, so removing a name is a deliberate act."""

from __future__ import annotations

import particle_async
from particle_async import models, streaming

TOP_LEVEL = {
    "APIError", "AccessToken", "BadRequestError", "ClientClosedError", "ConfigurationError",
    "ConflictError", "Limiter", "NOT_GIVEN", "NetworkTimeoutError", "NotGiven",
    "ConnectError", "DEFAULT_BASE_URL", "Device", "DeviceOfflineError", "Event",
    "ForbiddenError", "FunctionResult", "NetworkError", "NotFoundError", "Page", "Pager",
    "Particle", "ParticleError", "PollTimeoutError", "RateLimitedError", "RateLimiter",
    "RateLimiterStatistics", "RequestTimeoutError", "ResponseDecodeError", "RetryPolicy",
    "ServerError", "StreamError", "TokenGrant", "UnauthorizedError",
    "UnprocessableEntityError", "User", "VariableValue", "__version__",
}  # fmt: skip


def test_top_level_names_are_pinned() -> None:
    assert set(particle_async.__all__) == TOP_LEVEL
    for name in TOP_LEVEL:
        assert hasattr(particle_async, name), name


def test_every_error_derives_from_particle_error() -> None:
    for name in particle_async.__all__:
        obj = getattr(particle_async, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, particle_async.ParticleError), name


def test_submodule_exports_resolve() -> None:
    for module in (models, streaming):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
