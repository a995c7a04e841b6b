"""Differences between the library versions a before/after run measures, in one place.

The benchmarks are written against this tree's API; an older tree (the "before" side)
lacks a few names. Each adapter here says what it bridges.
"""

from __future__ import annotations

from typing import Any

__all__ = ["json_mode", "speedups_available", "spreads_streams"]

_DEFAULT_ENVELOPE: Any = None


def speedups_available() -> bool:
    """Whether this library reads envelopes with the `speedups` extra (msgspec) when it is
    installed. Older trees had no such extra: their one JSON path is the core one."""
    from particle_async.streaming import _convert

    return bool(getattr(_convert, "SPEEDUPS", False))


def json_mode(mode: str) -> None:
    """Select the envelope reader for the next streams: "core" (stdlib JSON, what a core
    install runs) or "speedups" (the library's automatic choice, msgspec when installed).

    Swaps `streaming._convert._envelope`, the one function `to_event` reads JSON with.
    In a tree without `_envelope_stdlib` (no speedups extra) both modes are the same.
    """
    global _DEFAULT_ENVELOPE
    from particle_async.streaming import _convert

    if _DEFAULT_ENVELOPE is None:
        _DEFAULT_ENVELOPE = _convert._envelope
    if mode == "core":
        _convert._envelope = getattr(_convert, "_envelope_stdlib", _DEFAULT_ENVELOPE)
    elif mode == "speedups":
        _convert._envelope = _DEFAULT_ENVELOPE
    else:
        raise ValueError(f"unknown JSON mode {mode!r}")


def spreads_streams() -> bool:
    """Whether one `Particle` spreads its streams over several connection pools, so
    thousands can be opened at once. Older trees had one pool, where 5,000 opened at
    once never connected (httpcore's O(connections) pool work ran past the connect
    timeout): those are opened in batches instead."""
    from particle_async.resources import events

    return hasattr(events, "STREAMS_PER_POOL")
