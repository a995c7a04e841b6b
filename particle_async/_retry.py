"""What is worth retrying, how long to wait, and what the server's Retry-After means.

The rules, in one place:
- a connection that never opened (`ConnectError`) and a 429 are retried for every call:
  the server did not act on the request;
- a broken or timed-out exchange and 502/503/504 are retried only for idempotent calls:
  a function call, publish, flash or claim may already have run, so it is never re-sent;
- 4xx other than 429 (401 above all) is never retried.
Backoff is exponential with equal jitter and a cap; a total deadline bounds the whole
call, and a Retry-After longer than what is left of it ends the retrying at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from attrs import frozen

from ._errors import ConnectError, NetworkError, RateLimitedError, ServerError

__all__ = ["RetryPolicy", "backoff_delay", "is_retryable", "parse_retry_after"]

_RETRY_STATUSES = frozenset({502, 503, 504})


@frozen(kw_only=True)
class RetryPolicy:
    """How hard a request tries. `RetryPolicy(max_attempts=1)` disables retrying.

    Attributes:
        max_attempts: tries in all, the first included (1: never retry).
        initial_backoff: seconds before the first retry (jittered), doubling after each.
        max_backoff: the cap on one backoff delay, in seconds.
        deadline: no retry starts after this many seconds since the first try.
        respect_retry_after: wait as long as a 429's `Retry-After` says instead of backing off.
    """

    max_attempts: int = 4
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    deadline: float = 60.0
    respect_retry_after: bool = True


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
    ceiling: float = min(policy.max_backoff, policy.initial_backoff * 2.0 ** (attempt - 1))
    return ceiling / 2 + rand() * ceiling / 2


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait per `retry-after-ms`, or `Retry-After` as seconds or an HTTP date."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis)) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
