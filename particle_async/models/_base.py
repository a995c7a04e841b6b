"""The base of every model: attrs, frozen, slotted, built from API JSON by field metadata.

A model names its fields once, with the wire key and a converter when they differ from
the Python name and type; `Model.from_api` does the rest. The API adds fields over time:
whatever a model does not name is kept in `raw` (excluded from repr and equality), so
nothing the cloud sends is ever lost, and an unexpected or missing field never breaks
parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs

__all__ = [
    "Model",
    "as_bool",
    "as_float",
    "as_int",
    "as_str",
    "as_tuple",
    "parse_datetime",
    "wire",
]

T = TypeVar("T")
M = TypeVar("M", bound="Model")

_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d?):(\d\d?)(?::(\d\d?)(?:\.(\d+))?)?)?\s*(Z|[+-]\d\d:?\d\d)?$",
    re.IGNORECASE,
)


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 text (lenient about `Z`, digits and precision)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, timezone.utc)
    if not isinstance(value, str):
        return None
    try:  # the C fast path (3.11+ reads "Z" and 3-digit fractions)
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except ValueError:
        pass
    match = _ISO.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, frac, zone = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        parsed = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
        )
    except ValueError:
        return None
    return parsed.replace(tzinfo=_zone(zone))


def _zone(text: str | None) -> timezone:
    if not text or text.upper() == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def as_int(value: Any) -> int | None:
    """Integers that may arrive as strings in older API eras ("60")."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None


def as_float(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "on"}
    return bool(value)


def as_str(value: Any) -> str | None:
    return None if value is None else str(value)


def as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def wire(
    key: str | None = None,
    *,
    convert: Callable[[Any], Any] | None = None,
    default: Any = None,
    factory: Callable[[], Any] | None = None,
    repr: bool = True,
) -> Any:
    """A model field read from the wire key `key` (default: the field name)."""
    meta = {"wire": key, "convert": convert}
    if factory is not None:
        return attrs.field(factory=factory, metadata=meta, repr=repr)
    return attrs.field(default=default, metadata=meta, repr=repr)


_SPECS: dict[type, tuple[tuple[str, str, Callable[[Any], Any] | None], ...]] = {}


def _spec(cls: type) -> tuple[tuple[str, str, Callable[[Any], Any] | None], ...]:
    spec = _SPECS.get(cls)
    if spec is None:
        spec = tuple(
            (f.name, f.metadata.get("wire") or f.name, f.metadata.get("convert"))
            for f in attrs.fields(cls)
            if f.name != "raw"
        )
        _SPECS[cls] = spec
    return spec


@attrs.frozen(kw_only=True)
class Model:
    """Base of all models: `raw` holds the full JSON object the model was built from."""

    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @classmethod
    def from_api(cls: type[M], data: Any) -> M:
        """Build from one JSON object; absent keys take the field default."""
        if not isinstance(data, Mapping):
            data = {"value": data}
        kwargs: dict[str, Any] = {}
        for name, key, convert in _spec(cls):
            if key in data:
                value = data[key]
                kwargs[name] = convert(value) if convert is not None else value
        return cls(raw=data, **kwargs)

    @classmethod
    def list_from_api(cls: type[M], items: Any) -> list[M]:
        """One model per item of a JSON list (None or a missing list gives `[]`)."""
        return [cls.from_api(item) for item in items or ()]

    def get(self, key: str, default: Any = None) -> Any:
        """Any field the API sent, by its wire name, modelled or not."""
        return self.raw.get(key, default)
