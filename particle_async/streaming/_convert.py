"""From an SSE (name, data) pair to a typed `Event`: the hot path, kept short."""

from __future__ import annotations

import json
from typing import Any

from ..models._base import as_int, parse_datetime
from ..models.events import Event

__all__ = ["to_event"]

_loads = json.loads


def to_event(name: str, data: str) -> Event:
    """Parse Particle's JSON envelope; anything else is delivered raw and flagged."""
    try:
        envelope: Any = _loads(data)
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict):
        return Event(name=name, data=data, malformed=True)
    payload = envelope.get("data")
    ttl = envelope.get("ttl", 60)
    public = envelope.get("public")
    product = envelope.get("productID")
    version = envelope.get("version")
    return Event(
        name=name,
        data=payload if payload is None or type(payload) is str else str(payload),
        ttl=ttl if type(ttl) is int else (as_int(ttl) or 0),
        published_at=parse_datetime(envelope.get("published_at")),
        device_id=envelope.get("coreid"),
        product_id=None if product is None else as_int(product),
        version=None if version is None else as_int(version),
        public=None if public is None else bool(public),
        raw=envelope,
    )
