"""The bridge's Redis Stream entries: how an event or a gap is written, and read back.

Every entry has four fields:

    k  "e" (an event) or "g" (a gap marker)
    n  the event name ("" for a gap)
    j  JSON: the event's envelope as the cloud sends it (`data`, `ttl`, `published_at`,
       `coreid`, ...), or the gap (`started_at`, `ended_at`, `seconds`, `reason`)
    f  the fencing token of the leader that wrote it (set by the append script)

A consumer gets each entry as a `BridgeEvent`: an `Event` (so anything that reads events
reads these) plus `entry_id` (the stream id, for de-duplication: delivery is at least
once), `fence`, `redelivered`, and `gap`. A gap marker arrives as a `BridgeEvent` named
`GAP_EVENT` whose `gap` holds the `BridgeGap`; check `event.gap is not None` (or `is_gap`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ..models._base import parse_datetime
from ..models.events import Event
from ..streaming import Gap
from ._compat import text

__all__ = [
    "GAP_EVENT",
    "BridgeEvent",
    "BridgeGap",
    "decode_entry",
    "encode_event",
    "encode_gap",
    "gap_event",
]

GAP_EVENT = "particle_async/gap"
"""The name a gap marker carries when delivered as an event."""


@attrs.frozen
class BridgeGap(Gap):
    """A stream `Gap` with why it happened, as the bridge records it in the stream.

    Particle's event stream has no ids and no replay, so whatever was published while no
    leader was connected is lost for good; a gap says when, so a worker can re-read state
    (variables, ledger) for that span. `reason`: "reconnect" (the leader's stream
    reconnected), "leader change" (a new leader took over, after a crash, a partition,
    a clean hand-over or a Redis restart) or "redis reset" (a consumer found its group
    gone: Redis lost its data, and with it the entries not yet read).
    """

    reason: str = "reconnect"

    @classmethod
    def between(cls, started_at: datetime, ended_at: datetime, reason: str) -> BridgeGap:
        """The gap from `started_at` to `ended_at` (never negative)."""
        seconds = max(0.0, (ended_at - started_at).total_seconds())
        return cls(started_at, ended_at, seconds, reason)


@attrs.frozen(kw_only=True)
class BridgeEvent(Event):
    """An event read from the bridge's stream, with its stream `entry_id`."""

    entry_id: str = ""
    fence: int = 0
    redelivered: bool = False
    gap: BridgeGap | None = None

    @property
    def is_gap(self) -> bool:
        return self.gap is not None


def encode_event(event: Event) -> tuple[str, str, str]:
    """(kind, name, payload) of an event, as the append script takes them."""
    envelope: dict[str, Any] = {
        "data": event.data,
        "ttl": event.ttl,
        "published_at": event.published_at.isoformat() if event.published_at else None,
        "coreid": event.device_id,
    }
    if event.product_id is not None:
        envelope["productID"] = event.product_id
    if event.version is not None:
        envelope["version"] = event.version
    if event.public is not None:
        envelope["public"] = event.public
    if event.malformed:
        envelope["malformed"] = True
    return "e", event.name, json.dumps(envelope, separators=(",", ":"))


def encode_gap(gap: BridgeGap) -> tuple[str, str, str]:
    payload = {
        "started_at": gap.started_at.isoformat(),
        "ended_at": gap.ended_at.isoformat(),
        "seconds": gap.seconds,
        "reason": gap.reason,
    }
    return "g", "", json.dumps(payload, separators=(",", ":"))


def _decode_gap(payload: Mapping[str, Any]) -> BridgeGap | None:
    started = parse_datetime(payload.get("started_at"))
    ended = parse_datetime(payload.get("ended_at"))
    if started is None or ended is None:
        return None
    return BridgeGap(
        started, ended, float(payload.get("seconds") or 0.0), str(payload.get("reason"))
    )


def gap_event(gap: BridgeGap, entry_id: str = "", fence: int = 0) -> BridgeEvent:
    """A gap as the event a consumer yields."""
    _, _, payload = encode_gap(gap)
    return BridgeEvent(name=GAP_EVENT, data=payload, entry_id=entry_id, fence=fence, gap=gap)


def decode_entry(entry_id: Any, fields: Mapping[Any, Any], *, redelivered: bool) -> BridgeEvent:
    """A stream entry as a `BridgeEvent`; never raises on a foreign or damaged entry (it
    arrives `malformed`, with the raw fields as its data)."""
    values = {text(k): text(v) for k, v in fields.items()}
    ident = text(entry_id)
    fence = int(values.get("f") or 0) if (values.get("f") or "0").isdigit() else 0
    try:
        payload = json.loads(values["j"])
        if not isinstance(payload, dict):
            raise ValueError("not an object")
    except (KeyError, ValueError):
        return BridgeEvent(
            name=values.get("n", ""),
            data=json.dumps(values),
            malformed=True,
            entry_id=ident,
            fence=fence,
            redelivered=redelivered,
        )
    if values.get("k") == "g":
        gap = _decode_gap(payload)
        return BridgeEvent(
            name=GAP_EVENT,
            data=values["j"],
            entry_id=ident,
            fence=fence,
            redelivered=redelivered,
            gap=gap,
            malformed=gap is None,
        )
    payload["event"] = values.get("n", "")
    payload["entry_id"] = ident
    payload["fence"] = fence
    payload["redelivered"] = redelivered
    return BridgeEvent.from_api(payload)
