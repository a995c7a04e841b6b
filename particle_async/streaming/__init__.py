"""Event streaming: the SSE decoder, reconnecting subscriptions, and the fan-out hub."""

from ._backoff import Backoff, BackoffPolicy
from ._decoder import SSEDecoder
from ._hub import (
    Consumer,
    ConsumerOverflowError,
    ConsumerStats,
    EventHub,
    HubStatistics,
    Overflow,
)
from ._scope import stream_path
from ._source import EventSource
from ._status import (
    Gap,
    MalformedPolicy,
    StreamOptions,
    StreamState,
    StreamStats,
    StreamStatus,
)
from ._subscription import EventStream, MalformedEventError

__all__ = [
    "Backoff",
    "BackoffPolicy",
    "Consumer",
    "ConsumerOverflowError",
    "ConsumerStats",
    "EventHub",
    "EventSource",
    "EventStream",
    "Gap",
    "HubStatistics",
    "MalformedEventError",
    "MalformedPolicy",
    "Overflow",
    "SSEDecoder",
    "StreamOptions",
    "StreamState",
    "StreamStats",
    "StreamStatus",
    "stream_path",
]
