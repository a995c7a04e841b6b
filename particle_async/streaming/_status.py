"""What a stream tells its user about itself: state changes, counters, options."""

from __future__ import annotations

import enum
from typing import Literal

from attrs import Factory, define, frozen

from ._backoff import BackoffPolicy

__all__ = ["MalformedPolicy", "StreamOptions", "StreamState", "StreamStats", "StreamStatus"]

MalformedPolicy = Literal["deliver", "skip", "raise"]
"""What to do with a `data:` line that is not Particle's JSON envelope: hand it over with
`Event.malformed` set (default), count and skip it, or end the stream with an error."""


class StreamState(enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    FAILED = "failed"


@frozen
class StreamStatus:
    """One state change, as passed to `on_status`: why, which attempt, how long we wait."""

    state: StreamState
    attempt: int = 0
    delay: float | None = None
    reason: str | None = None
    error: BaseException | None = None


@define
class StreamStats:
    """Counters of one stream since it was created (they survive reconnects)."""

    events: int = 0
    bytes: int = 0
    connects: int = 0
    reconnects: int = 0
    comments: int = 0
    idle_timeouts: int = 0
    filtered: int = 0
    malformed: int = 0
    oversized: int = 0
    partial_discarded: int = 0
    skipped: int = 0

    @property
    def dropped(self) -> int:
        """Everything received that did not reach the consumer as an event."""
        return self.oversized + self.partial_discarded + self.skipped


@frozen(kw_only=True)
class StreamOptions:
    """Tuning for one subscription. Defaults suit the real cloud (keep-alives ≤ 12 s apart)."""

    idle_timeout: float = 15.0
    backoff: BackoffPolicy = Factory(BackoffPolicy)
    connect_timeout: float = 10.0
    max_line_bytes: int = 256 * 1024
    max_event_bytes: int = 1024 * 1024
    malformed: MalformedPolicy = "deliver"
