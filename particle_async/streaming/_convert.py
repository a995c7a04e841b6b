"""From an SSE (name, data) pair to a typed `Event`: the hot path of every stream.

Three choices make it cheaper than `json.loads` plus a plain attrs constructor, which
matters at hundreds of thousands of events per second (see benchmarks/RESULTS.md):
- `JSONDecoder.raw_decode`, which skips `json.loads`'s wrapper work; we check the end
  ourselves, so trailing junk still makes the event malformed;
- `datetime.fromisoformat` first (C, reads Particle's timestamps on 3.11+), the lenient
  parser only when it refuses;
- `Event` is frozen, and a frozen attrs `__init__` sets each slot through
  `object.__setattr__`; we set the slots through their descriptors instead. The result
  is the same frozen, slotted object (a test compares it field by field with one built
  by the regular constructor).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import attrs

from ..models._base import as_int, as_optional_bool, parse_datetime
from ..models.events import Event, event_ttl

__all__ = ["to_event"]

_decode = json.JSONDecoder().raw_decode
_fromiso = datetime.fromisoformat
_UTC = timezone.utc
_WHITESPACE = " \t\r\n"


def _slot_setter(name: str) -> Callable[[Event, Any], None]:
    setter: Callable[[Event, Any], None] = inspect.getattr_static(Event, name).__set__
    return setter


_FIELDS = tuple(field.name for field in attrs.fields(Event))
(
    _set_raw,
    _set_name,
    _set_data,
    _set_ttl,
    _set_published_at,
    _set_device_id,
    _set_product_id,
    _set_version,
    _set_public,
    _set_malformed,
) = (_slot_setter(name) for name in _FIELDS)
if _FIELDS != (
    "raw", "name", "data", "ttl", "published_at", "device_id",
    "product_id", "version", "public", "malformed",
):  # fmt: skip
    raise RuntimeError("Event's fields changed: update the setters in streaming/_convert.py")
_new = object.__new__


def _published_at(value: Any) -> datetime | None:
    """`parse_datetime` with the C parser tried first: Particle's own format always fits."""
    if type(value) is str:
        try:
            parsed = _fromiso(value)
        except ValueError:
            return parse_datetime(value)
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_UTC)
    return parse_datetime(value)


def _envelope(data: str) -> Any:
    """The JSON object in `data`, or None when `data` is not exactly one JSON value."""
    text = data.strip(_WHITESPACE) if data[:1] in _WHITESPACE or data[-1:] in _WHITESPACE else data
    try:
        value, end = _decode(text)
    except (ValueError, RecursionError):
        return None
    return value if end == len(text) else None


def to_event(name: str, data: str) -> Event:
    """Parse Particle's JSON envelope; anything else is delivered raw and flagged.

    Never raises. The field converters are the model's own (`Event.from_api` uses the
    same ones), and a field that is present but unreadable (`ttl: Infinity`, a date
    past year 9999) flags the event malformed instead of raising mid-stream.
    """
    envelope = _envelope(data)
    if type(envelope) is not dict:
        return Event(name=name, data=data, malformed=True)
    payload = envelope.get("data")
    ttl = envelope.get("ttl", 60)
    stamp = envelope.get("published_at")
    product = envelope.get("productID")
    version = envelope.get("version")
    event: Event = _new(Event)
    _set_raw(event, envelope)
    _set_name(event, name)
    _set_data(event, payload if payload is None or type(payload) is str else str(payload))
    good_ttl = type(ttl) is int
    _set_ttl(event, ttl if good_ttl else event_ttl(ttl))
    published_at = _published_at(stamp)
    _set_published_at(event, published_at)
    _set_device_id(event, envelope.get("coreid"))
    product_id = None if product is None else as_int(product)
    _set_product_id(event, product_id)
    version_number = None if version is None else as_int(version)
    _set_version(event, version_number)
    _set_public(event, as_optional_bool(envelope.get("public")))
    _set_malformed(
        event,
        (not good_ttl and ttl is not None and as_int(ttl) is None)
        or (published_at is None and stamp is not None)
        or (product_id is None and product is not None)
        or (version_number is None and version is not None),
    )
    return event
