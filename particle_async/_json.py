"""Reading JSON, with msgspec (the `speedups` extra) when installed, exactly as the stdlib.

Why msgspec and not orjson (both measured, benchmarks/RESULTS.md): on Particle's small
envelopes msgspec's decoder is the faster of the two, and it reads every number as
Python's `json` does: an integer of any size stays exact, a float is correctly rounded.
orjson reads an integer past 64 bits as a float, so each of its results needed a check
that cost about as much as the reading itself.

Where the two readers could still differ, msgspec refuses instead of guessing: `NaN`,
`Infinity`, a number past the float range, a lone surrogate, a BOM, UTF-16 bytes, deep
nesting (a `RecursionError`: its limit is not the stdlib's). Whatever it refuses goes to
the stdlib, so an install with the extra and one without read every document alike
(tests pin it, including a differential fuzz).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["SPEEDUPS", "loads", "reader_or"]

try:  # the optional `particle_async[speedups]` extra
    from msgspec.json import Decoder as _Decoder
except ImportError:  # pragma: no cover - depends on the install
    SPEEDUPS = False
else:
    SPEEDUPS = True
    _decode: Callable[[bytes | str], Any] = _Decoder().decode


def _loads_msgspec(content: bytes) -> Any:
    try:
        return _decode(content)
    except (ValueError, RecursionError):  # DecodeError; UnicodeEncodeError; deep nesting
        return json.loads(content)


def reader_or(stdlib: Callable[[str], Any]) -> Callable[[str], Any]:
    """A reader of text: msgspec's reading, or `stdlib(text)` when msgspec refuses it (the
    caller's stdlib reader decides what a refusal means: the stream's returns None).
    Without the extra, `stdlib` itself."""
    if not SPEEDUPS:
        return stdlib

    def read(text: str) -> Any:
        try:
            return _decode(text)
        except (ValueError, RecursionError):
            return stdlib(text)

    return read


loads: Callable[[bytes], Any] = _loads_msgspec if SPEEDUPS else json.loads
"""`json.loads` of a whole body, through msgspec when it accepts the body."""
