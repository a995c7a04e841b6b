"""Distributed mode on Redis (the `[redis]` extra): one budget and one upstream per fleet.

- `RedisRateLimiter`: the request budget of one public IP shared by every process;
- `EventBridge` (via `cloud.events.bridge(...)`): one leader-elected upstream subscription
  appended to a Redis Stream, consumed by a consumer group of workers, at least once.

asyncio only: redis-py's client has no trio support (calls on trio raise
`UnsupportedBackendError`). See docs/distributed.md.
"""

from ._bridge import BridgeStatistics, EventBridge, StreamFactory
from ._consume import BridgeConsumer, ConsumerStatistics
from ._entries import GAP_EVENT, BridgeEvent, BridgeGap
from ._errors import DistributedError, RedisUnavailableError, UnsupportedBackendError
from ._limiter import RedisRateLimiter

__all__ = [
    "GAP_EVENT",
    "BridgeConsumer",
    "BridgeEvent",
    "BridgeGap",
    "BridgeStatistics",
    "ConsumerStatistics",
    "DistributedError",
    "EventBridge",
    "RedisRateLimiter",
    "RedisUnavailableError",
    "StreamFactory",
    "UnsupportedBackendError",
]
