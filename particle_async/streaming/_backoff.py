"""Reconnect backoff: the first retry is fast, later ones grow to a cap, with jitter.

Unlike request retries, a stream reconnects forever by default, so the schedule must
reset: but only after a connection stayed up for `healthy_after` seconds, never on the
first byte (a server that sends `:ok` and dies at once must not make us spin).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from attrs import frozen

from .._retry import capped_exponential

__all__ = ["Backoff", "BackoffPolicy"]


@frozen(kw_only=True)
class BackoffPolicy:
    """Delays for reconnect attempt n (1-based): ~initial, then initial·2ⁿ⁻¹ up to cap.

    Attributes:
        initial: seconds before the first reconnect (jittered: half to all of it).
        cap: the longest wait between two reconnects, in seconds.
        healthy_after: a connection up this long resets the schedule to `initial`.
        max_attempts: consecutive failed reconnects before the stream fails; None: never give up.
    """

    initial: float = 0.25
    cap: float = 30.0
    healthy_after: float = 30.0
    max_attempts: int | None = None  # consecutive failures before giving up; None: never


class Backoff:
    """The state of one stream's reconnect schedule."""

    def __init__(self, policy: BackoffPolicy, rand: Callable[[], float] = random.random):
        self.policy = policy
        self.attempt = 0
        self._rand = rand

    def next_delay(self) -> float:
        """Count one more failure and return how long to wait before the next try."""
        self.attempt += 1
        ceiling = capped_exponential(self.attempt, self.policy.initial, self.policy.cap)
        return ceiling / 2 + self._rand() * ceiling / 2

    @property
    def exhausted(self) -> bool:
        """Whether `max_attempts` reconnects are used up (never, without a limit)."""
        limit = self.policy.max_attempts
        return limit is not None and self.attempt >= limit

    def connection_ended(self, lasted: float) -> None:
        """A connection closed after `lasted` seconds: a healthy one resets the schedule."""
        if lasted >= self.policy.healthy_after:
            self.attempt = 0
