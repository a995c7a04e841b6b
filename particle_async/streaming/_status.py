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
    """Where a stream (or hub) is: not started, connecting, connected, waiting to reconnect,
    closed by you, or failed for good (a bad token, say).
    """

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

    Attributes:
        started_at: when the last byte of the ended connection arrived (UTC).
        ended_at: when the next connection's response head arrived (UTC).
        seconds: the length of the outage.
    """

    started_at: datetime
    ended_at: datetime
    seconds: float


@frozen
class StreamStatus:
    """One state change, as passed to `on_status`: why, which attempt, how long we wait.

    Attributes:
        state: the new state.
        attempt: the reconnect attempt (0 for the first connection).
        delay: seconds until the next attempt, when reconnecting.
        reason: a short text saying why it changed, when one is given (the cause is in `error`).
        error: the error behind the change, if any.
        gap: on the CONNECTED status that ends an outage of a stream that had been
            connected before, the outage (events published in it were lost).
    """

    state: StreamState
    attempt: int = 0
    delay: float | None = None
    reason: str | None = None
    error: BaseException | None = None
    gap: Gap | None = None


@define
class StreamStats:
    """Counters of one stream since it was created (they survive reconnects).

    Attributes:
        events: events delivered.
        bytes: bytes received.
        connects: connections made (the first included).
        reconnects: connections made after the first.
        comments: comment lines received (the cloud's keep-alives).
        idle_timeouts: reconnects caused by no progress for `idle_timeout`.
        filtered: events dropped because their name did not match the prefix.
        malformed: `data:` lines that were not the JSON envelope.
        oversized: lines or events skipped for their size.
        partial_discarded: events cut by a disconnect, never delivered.
        skipped: malformed events skipped under `malformed="skip"`.
        gaps: outages after a working connection (events in them were lost).
        gap_seconds: the total length of those outages.
        last_gap: the most recent outage, if any.
    """

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
    """Tuning for one subscription. Defaults suit the real cloud (keep-alives ≤ 12 s apart).

    Attributes:
        idle_timeout: seconds without progress (a complete line: an event or a
            keep-alive) before reconnecting.
        backoff: the reconnect schedule.
        connect_timeout: seconds to wait for a connection, and then for the response head.
        max_line_bytes: a longer SSE line is skipped and counted in `oversized`.
        max_event_bytes: a larger event is skipped and counted in `oversized`.
        malformed: what to do with a `data:` line that is not the JSON envelope.
    """

    idle_timeout: float = 15.0
    backoff: BackoffPolicy = Factory(BackoffPolicy)
    connect_timeout: float = 10.0
    max_line_bytes: int = 256 * 1024
    max_event_bytes: int = 1024 * 1024
    malformed: MalformedPolicy = "deliver"
