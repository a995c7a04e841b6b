"""Waiting on 202-and-poll endpoints (diagnostics refresh, SIM status, usage reports)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from .._clock import Clock
from .._errors import PollTimeoutError

__all__ = ["poll"]

T = TypeVar("T")


async def poll(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    clock: Clock,
    attempts: int,
    delay: Callable[[T], float],
    what: str,
) -> T:
    """Call `fetch` until `done(answer)`, sleeping `delay(answer)` seconds on `clock` in
    between, at most `attempts` times in all; then raise `PollTimeoutError`."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    answer = await fetch()
    for _ in range(attempts - 1):
        if done(answer):
            return answer
        await clock.sleep(max(0.0, delay(answer)))
        answer = await fetch()
    if done(answer):
        return answer
    raise PollTimeoutError(f"{what}: still not done after {attempts} attempts", last=answer)
