"""From an SSE (name, data) pair to a typed `Event`: the hot path of every stream.

Three choices make it cheaper than `json.loads` plus a plain attrs constructor, which
matters at hundreds of thousands of events per second (see benchmarks/RESULTS.md):
- the JSON decoder's C scanner called directly (`scan_once`), skipping `json.loads`'s
  wrapper and `raw_decode`'s whitespace regex; we check the end ourselves, so trailing
  junk still makes the event malformed. With the `speedups` extra, msgspec instead;
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

from .._json import SPEEDUPS, reader_or
from ..models._base import as_bool, as_int, parse_datetime
from ..models.events import Event, event_ttl

__all__ = ["SPEEDUPS", "to_event"]

_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
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


def _envelope_stdlib(data: str) -> Any:
    """The JSON value in `data`, or None when `data` is not exactly one JSON value.

    The C scanner is called directly: `json.loads` and `raw_decode` first run a regex
    over the text for leading whitespace, which Particle never sends; only when the
    direct scan fails do we strip and retry.
    """
    try:
        value, end = _scan(data, 0)
    except (StopIteration, ValueError, RecursionError):
        return _envelope_padded(data)
    return value if end == len(data) else _envelope_padded(data)


def _envelope_padded(data: str) -> Any:
    text = data.strip(_WHITESPACE)
    if not text or text is data:
        return None
    try:
        value, end = _scan(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return None
    return value if end == len(text) else None


_envelope_speedups = reader_or(_envelope_stdlib)
"""msgspec's reading (the `speedups` extra), a third of the stdlib scanner's cost; what
msgspec refuses goes to the stdlib reader, so both installs read every envelope the same
way (see `particle_async._json`)."""
_envelope = _envelope_speedups


def to_event(name: str, data: str) -> Event:
    """Parse Particle's JSON envelope; anything else is delivered raw and flagged.

    Never raises. The field converters are the model's own (`Event.from_api` uses the
    same ones), and a field that is present but unreadable (`ttl: Infinity`, a date
    past year 9999) flags the event malformed instead of raising mid-stream.
    """
    envelope = _envelope(data)
    if type(envelope) is not dict:
        return Event(name=name, data=data, malformed=True)
    get = envelope.get
    payload = get("data")
    ttl = get("ttl", 60)
    stamp = get("published_at")
    product = get("productID")
    version = get("version")
    public = get("public")
    malformed = False
    if type(ttl) is not int:
        malformed = ttl is not None and as_int(ttl) is None
        ttl = event_ttl(ttl)
    published_at = None
    if type(stamp) is str:  # the C parser first: Particle's own format always fits it
        try:
            published_at = _fromiso(stamp)
        except ValueError:
            published_at = parse_datetime(stamp)
            malformed = malformed or published_at is None
        else:
            if published_at.tzinfo is None:
                published_at = published_at.replace(tzinfo=_UTC)
    elif stamp is not None:
        published_at = parse_datetime(stamp)
        malformed = malformed or published_at is None
    if product is not None and type(product) is not int:
        product = as_int(product)
        malformed = malformed or product is None
    if version is not None and type(version) is not int:
        version = as_int(version)
        malformed = malformed or version is None
    event: Event = _new(Event)
    _set_raw(event, envelope)
    _set_name(event, name)
    _set_data(event, payload if payload is None or type(payload) is str else str(payload))
    _set_ttl(event, ttl)
    _set_published_at(event, published_at)
    _set_device_id(event, get("coreid"))
    _set_product_id(event, product)
    _set_version(event, version)
    _set_public(event, public if public is None or type(public) is bool else as_bool(public))
    _set_malformed(event, malformed)
    return event
