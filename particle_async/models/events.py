"""The event model: one Particle event, from a stream or a webhook body."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_int, as_optional_bool, as_str, parse_datetime, wire

__all__ = ["Event", "event_ttl"]


def event_ttl(value: Any) -> int:
    """An event's `ttl` in seconds (older eras send it as a string); 0 when unreadable."""
    return as_int(value) or 0


@attrs.frozen(kw_only=True)
class Event(Model):
    """One published event.

    `data` is always the text the device published (or None). When the stream's `data:`
    line was not the JSON envelope the cloud normally sends, `malformed` is True and
    `data` holds that line as received: nothing is dropped silently.

    Attributes:
        name: the event's name (wire key `event` on webhooks; the SSE `event:` field).
        data: the text published, or None.
        ttl: its time to live in seconds (the cloud always says 60 today).
        published_at: when the cloud received it.
        device_id: the publishing device, or `api` for an API publish (wire key `coreid`).
        product_id: the product of the publishing device (wire key `productID`).
        version: the product firmware version of the publishing device.
        public: published publicly, when the envelope says.
        malformed: the `data:` line was not the cloud's JSON envelope; `data` holds it raw.
    """

    name: str = wire("event", convert=str, default="")
    data: str | None = wire(convert=as_str)
    ttl: int = wire(convert=event_ttl, default=60)
    published_at: datetime | None = wire(convert=parse_datetime)
    device_id: str | None = wire("coreid", convert=as_str)
    product_id: int | None = wire("productID", convert=as_int)
    version: int | None = wire(convert=as_int)
    public: bool | None = wire(convert=as_optional_bool)
    malformed: bool = wire(default=False)

    @property
    def from_api_user(self) -> bool:
        """Published through the API, not by a device (`coreid` is "api")."""
        return self.device_id == "api"

    def json(self) -> Any:
        """`data` parsed as JSON; raises ValueError when it is not JSON."""
        if self.data is None:
            raise ValueError("event has no data")
        return json.loads(self.data)
