"""What is worth retrying, how long to wait, and what the server's Retry-After means.

The rules, in one place:
- a connection that never opened (`ConnectError`) and a 429 are retried for every call:
  the server did not act on the request;
- a broken or timed-out exchange and 502/503/504 are retried only for idempotent calls:
  a function call, publish, flash or claim may already have run, so it is never re-sent;
- 4xx other than 429 (401 above all) is never retried.
Backoff is exponential with equal jitter and a cap; a total deadline bounds the whole
call (reads included), and a Retry-After longer than what is left of it ends the retrying
at once. A server's Retry-After is advice, not an order: it is capped at
`max_retry_after`, since `Retry-After: 1e9` would otherwise park every caller sharing
the limiter for thirty years.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from attrs import frozen

from ._errors import ConnectError, NetworkError, RateLimitedError, ServerError

__all__ = [
    "MAX_EXPONENT",
    "RetryPolicy",
    "backoff_delay",
    "capped_exponential",
    "is_retryable",
    "parse_retry_after",
]

_RETRY_STATUSES = frozenset({502, 503, 504})
MAX_EXPONENT = 62
"""Backoff doubles at most this many times: `2.0 ** 1024` overflows, and any cap a
policy can name is reached long before 2⁶²."""


@frozen(kw_only=True)
class RetryPolicy:
    """How hard a request tries. `RetryPolicy(max_attempts=1)` disables retrying.

    Attributes:
        max_attempts: tries in all, the first included (1: never retry).
        initial_backoff: seconds before the first retry (jittered), doubling after each.
        max_backoff: the cap on one backoff delay, in seconds.
        deadline: seconds that bound the whole call: every attempt, read, back-off and
            limiter wait (past it: `NetworkTimeoutError`, or `RateLimitedError` when the
            limiter held the call).
        respect_retry_after: wait as long as a 429's `Retry-After` says instead of backing off.
        max_retry_after: the longest `Retry-After` believed, in seconds (`1e9`, `inf` and a
            date in year 9999 all mean this); it also caps the shared limiter's pause.
    """

    max_attempts: int = 4
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    deadline: float = 60.0
    respect_retry_after: bool = True
    max_retry_after: float = 600.0


NO_RETRY = RetryPolicy(max_attempts=1)


def is_retryable(exc: BaseException, *, idempotent: bool) -> bool:
    """True when sending the request again cannot make anything happen twice."""
    if isinstance(exc, (ConnectError, RateLimitedError)):
        return True
    if isinstance(exc, ServerError):
        return idempotent and exc.status in _RETRY_STATUSES
    if isinstance(exc, NetworkError):
        return idempotent
    return False


def backoff_delay(
    attempt: int, policy: RetryPolicy, rand: Callable[[], float] = random.random
) -> float:
    """Delay before retry number `attempt` (1-based): capped exponential, equal jitter."""
    ceiling = capped_exponential(attempt, policy.initial_backoff, policy.max_backoff)
    return ceiling / 2 + rand() * ceiling / 2


def capped_exponential(attempt: int, initial: float, cap: float) -> float:
    """`initial · 2^(attempt-1)`, at most `cap`, for any attempt number (no overflow)."""
    exponent = min(max(attempt - 1, 0), MAX_EXPONENT)
    return min(cap, initial * 2.0**exponent)


def parse_retry_after(
    headers: Mapping[str, str], now: datetime | None = None, *, cap: float = 600.0
) -> float | None:
    """Seconds to wait per `retry-after-ms`, or `Retry-After` as seconds or an HTTP date.

    The answer is finite and at most `cap`: `inf`, `1e9` and a date in year 9999 all
    mean "a long time", which is `cap`; `nan` and garbage mean "not said" (None).
    """
    millis = _seconds(headers.get("retry-after-ms"))
    if millis is not None:
        return min(cap, millis / 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _seconds(value)
    if seconds is None:
        seconds = _until(value, now)
    return None if seconds is None else min(cap, seconds)


def _seconds(value: str | None) -> float | None:
    """A non-negative number of seconds, `inf` included; None for nan or non-numbers."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return None if math.isnan(number) else max(0.0, number)


def _until(value: str, now: datetime | None) -> float | None:
    """Seconds from `now` to an HTTP date, or None when `value` is not one."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    try:
        return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
    except OverflowError:
        return None
