"""How many streams of one client may be connecting at the same moment.

Opening thousands of streams at once (a process watching a fleet, or all of them
reconnecting after an outage) would otherwise hand thousands of requests to httpx at
once. httpcore's pool does work proportional to its queue and connections for every
request, so the opens take seconds of CPU before the first answer is read, and each
stream's connect timeout runs all that while: on a busy machine they time out, retry
together and never converge. Through the gate, at most `limit` opens are in flight;
the others wait their turn, and a stream's connect timeout starts only once it is in.
"""

from __future__ import annotations

import anyio

from .._errors import ConfigurationError

__all__ = ["OPENING_AT_ONCE", "OpenGate"]

OPENING_AT_ONCE = 100
"""Opens in flight per client. 5,000 streams opened at once on one client connect in
about the same time as 100 at a time in a loop, without a single connect timeout."""


class OpenGate:
    """A semaphore made on first use, inside the event loop that uses it."""

    __slots__ = ("_semaphore", "limit")

    def __init__(self, limit: int = OPENING_AT_ONCE):
        if type(limit) is not int or limit < 1:
            raise ConfigurationError(
                f"max_stream_opens must be a whole number of streams, 1 or more, got {limit!r}"
            )
        self.limit = limit
        self._semaphore: anyio.Semaphore | None = None

    def slot(self) -> anyio.Semaphore:
        """`async with gate.slot():` around one open (request sent, response head read)."""
        if self._semaphore is None:
            self._semaphore = anyio.Semaphore(self.limit)
        return self._semaphore

    @property
    def opening(self) -> int:
        """Opens in flight now."""
        semaphore = self._semaphore
        return 0 if semaphore is None else self.limit - semaphore.value

    @property
    def waiting(self) -> int:
        """Streams waiting for their turn to open."""
        semaphore = self._semaphore
        return 0 if semaphore is None else semaphore.statistics().tasks_waiting
