"""Reading JSON, with orjson (the `speedups` extra) when installed, exactly as the stdlib.

orjson reads a small document in about a quarter of the stdlib's time, but differs from
Python's `json` in two ways: it refuses what `json` accepts (`NaN`, `Infinity`, a BOM,
UTF-16), and it reads an integer past 64 bits as a float where `json` keeps it exact.
Both readers here hand those documents to the stdlib, so an install with the extra and
one without read every document alike (tests pin it):

- `loads` (REST answers, any shape) skips orjson for a body holding a run of 19 digits
  or more, found in two C passes (~0.3 µs);
- `loads_flat` (stream envelopes, read per event) checks the result instead, which is
  cheaper for a flat object (~0.2 µs): a float, or anything nested that could hide one,
  and the stdlib reads it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["SPEEDUPS", "loads", "loads_flat"]

try:  # the optional `particle_async[speedups]` extra
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - depends on the install
    SPEEDUPS = False
else:
    SPEEDUPS = True

_DIGIT_OR_X = bytes(0x30 if 0x30 <= c <= 0x39 else 0x78 for c in range(256))
"""Maps every digit to `0` and every other byte to `x`: a run of digits becomes `000...`."""
_DIGITS_19 = b"0" * 19
_MAYBE_INEXACT = frozenset((float, dict, list))


def _loads_orjson(content: bytes) -> Any:
    if _DIGITS_19 not in content.translate(_DIGIT_OR_X):
        try:
            return _orjson_loads(content)
        except ValueError:
            pass
    return json.loads(content)


def loads_flat(text: str, stdlib: Callable[[str], Any]) -> Any:
    """orjson's reading of `text`, or `stdlib(text)` when it could differ from it (or
    orjson refuses it); the caller's stdlib reader decides what a refusal means."""
    try:
        value = _orjson_loads(text)
    except (ValueError, RecursionError):
        return stdlib(text)
    if type(value) is dict and not _MAYBE_INEXACT.isdisjoint(map(type, value.values())):
        return stdlib(text)
    return value


loads: Callable[[bytes], Any] = _loads_orjson if SPEEDUPS else json.loads
"""`json.loads` of a whole body, through orjson when that reads it the same."""
