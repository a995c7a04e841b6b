"""The base of every model: attrs, frozen, slotted, built from API JSON by field metadata.

A model names its fields once, with the wire key and a converter when they differ from
the Python name and type; `Model.from_api` does the rest. The API adds fields over time:
whatever a model does not name is kept in `raw` (excluded from repr and equality), so
nothing the cloud sends is ever lost, and an unexpected or missing field never breaks
parsing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs

from .._errors import ResponseDecodeError
from .._redact import redact_text
from .._transport import current_endpoint

__all__ = [
    "Model",
    "as_bool",
    "as_float",
    "as_int",
    "as_optional_bool",
    "as_str",
    "as_tuple",
    "parse_datetime",
    "shape_error",
    "wire",
]

T = TypeVar("T")
M = TypeVar("M", bound="Model")

_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d?):(\d\d?)(?::(\d\d?)(?:\.(\d+))?)?)?\s*(Z|[+-]\d\d:?\d\d)?$",
    re.IGNORECASE,
)


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 text (lenient about `Z`, digits and precision).

    Never raises: a value no datetime can hold (`1e300`, an offset of `+99:99`, year
    0) is None, like any other unreadable value. Callers that must tell "absent" from
    "unreadable" check whether the input was None.
    """
    try:
        return _parse_datetime(value)
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def _parse_datetime(value: Any) -> datetime | None:
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
    """Integers that may arrive as strings in older API eras ("60"); None if unreadable.

    Never raises: `Infinity`, `"1e999"` and `NaN` (all valid to Python's JSON reader)
    are unreadable, not an `OverflowError` in the middle of a stream.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return None


def as_float(value: Any) -> float | None:
    """A finite float, or None (absent, unreadable, infinite or NaN)."""
    try:
        number = None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number is not None and math.isfinite(number) else None


_TRUE = frozenset({"true", "1", "yes", "on"})


def as_bool(value: Any) -> bool:
    """JSON booleans, and the strings older eras send ("true", "false", "1")."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def as_optional_bool(value: Any) -> bool | None:
    """`as_bool`, keeping None for "not sent" (an event's `public`, say)."""
    return None if value is None else as_bool(value)


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


def shape_error(expected: str, got: Any) -> ResponseDecodeError:
    """The error for an answer of the wrong shape, naming the endpoint that sent it."""
    endpoint = current_endpoint()
    where = f" from {endpoint}" if endpoint else ""
    sample = redact_text(repr(got)[:80])
    return ResponseDecodeError(f"expected {expected}{where}, got {type(got).__name__}: {sample}")


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
        """Build from one JSON object; absent keys take the field default.

        Anything but an object (`null`, a number, a list) is `ResponseDecodeError`
        naming the endpoint that sent it: an empty `Device(id='')` would only fail later.
        """
        if not isinstance(data, Mapping):
            raise shape_error(f"a JSON object for {cls.__name__}", data)
        kwargs: dict[str, Any] = {}
        for name, key, convert in _spec(cls):
            if key in data:
                value = data[key]
                kwargs[name] = convert(value) if convert is not None else value
        return cls(raw=data, **kwargs)

    @classmethod
    def list_from_api(cls: type[M], items: Any) -> list[M]:
        """Build each item of a JSON list (`null` is an empty list)."""
        if items is None:
            return []
        if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
            raise shape_error(f"a JSON list of {cls.__name__}", items)
        return [cls.from_api(item) for item in items]

    def get(self, key: str, default: Any = None) -> Any:
        """Any field the API sent, by its wire name, modelled or not."""
        return self.raw.get(key, default)
