"""particle_async: an asyncio SDK for the Particle Device Cloud API, built for streaming.

from particle_async import Particle

async with Particle(token=...) as cloud:
    devices = await cloud.devices.list()
    async with cloud.events.subscribe("temp") as stream:
        async for event in stream:
            ...
"""

import logging as _logging

from ._client import DEFAULT_BASE_URL, Particle
from ._errors import (
    APIError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    ConnectError,
    DeviceOfflineError,
    ForbiddenError,
    NetworkError,
    NetworkTimeoutError,
    NotFoundError,
    ParticleError,
    PollTimeoutError,
    RateLimitedError,
    RequestTimeoutError,
    ResponseDecodeError,
    ServerError,
    StreamError,
    UnauthorizedError,
    UnprocessableEntityError,
)
from ._options import NOT_GIVEN, NotGiven
from ._paging import Page, Pager
from ._ratelimit import Limiter, RateLimiter, RateLimiterStatistics
from ._redact import install_log_redaction as _install_log_redaction
from ._retry import RetryPolicy
from ._version import __version__
from .models import (
    AccessToken,
    Device,
    Event,
    FunctionResult,
    TokenGrant,
    User,
    VariableValue,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "NOT_GIVEN",
    "APIError",
    "AccessToken",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "Device",
    "DeviceOfflineError",
    "Event",
    "ForbiddenError",
    "FunctionResult",
    "Limiter",
    "NetworkError",
    "NetworkTimeoutError",
    "NotFoundError",
    "NotGiven",
    "Page",
    "Pager",
    "Particle",
    "ParticleError",
    "PollTimeoutError",
    "RateLimitedError",
    "RateLimiter",
    "RateLimiterStatistics",
    "RequestTimeoutError",
    "ResponseDecodeError",
    "RetryPolicy",
    "ServerError",
    "StreamError",
    "TokenGrant",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "User",
    "VariableValue",
    "__version__",
]

# Library convention: no output unless the application configures logging.
_logging.getLogger("particle_async").addHandler(_logging.NullHandler())
_install_log_redaction()
