"""What a stream tells its user about itself: state changes, counters, options."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Literal

from attrs import Factory, define, frozen

from ._backoff import BackoffPolicy

__all__ = [
    "Gap",
    "MalformedPolicy",
    "StreamOptions",
    "StreamState",
    "StreamStats",
    "StreamStatus",
]

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
class Gap:
    """A time the stream was not connected, so events published then are lost for good.

    Particle's streams have no event ids to resume from. A gap runs from the last byte
    of the connection that ended to the first byte (the response head) of the next:
    re-read what you need (variables, ledger) for that span.
    """

    started_at: datetime
    ended_at: datetime
    seconds: float


@frozen
class StreamStatus:
    """One state change, as passed to `on_status`: why, which attempt, how long we wait.

    `gap` is set on the CONNECTED status that ends an outage of a stream that had
    been connected before.
    """

    state: StreamState
    attempt: int = 0
    delay: float | None = None
    reason: str | None = None
    error: BaseException | None = None
    gap: Gap | None = None


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
    gaps: int = 0
    gap_seconds: float = 0.0
    last_gap: Gap | None = None

    @property
    def dropped(self) -> int:
        """Everything received that did not reach the consumer as an event."""
        return self.oversized + self.partial_discarded + self.skipped


@frozen(kw_only=True)
class StreamOptions:
    """Tuning for one subscription. Defaults suit the real cloud (keep-alives ≤ 12 s apart)."""

    idle_timeout: float = 15.0
    """Seconds without a complete line (an event or a keep-alive) before reconnecting."""
    backoff: BackoffPolicy = Factory(BackoffPolicy)
    connect_timeout: float = 10.0
    """Bounds connecting and then waiting for the response head, each attempt."""
    max_line_bytes: int = 256 * 1024
    max_event_bytes: int = 1024 * 1024
    malformed: MalformedPolicy = "deliver"
