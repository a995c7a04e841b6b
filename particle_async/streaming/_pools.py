"""`PoolPlaces`: which of a client's connection pools a new stream joins.

httpcore's pool does work in proportion to its connections on every request, so 4,000
streams opened at once on one httpx client never all connect. A client's streams are
spread over several pools instead, at most `per_pool` streams in each.

A stream takes a place in the first pool with room when it is made, and gives it back
when it is closed, fails for good, or is garbage-collected unclosed. A service that
opens and closes streams for days (a hub restarted, a bridge changing leaders) keeps
reusing the same few pools instead of adding one per `per_pool` opens. Clients derived
with `with_options` share the places of the client they came from, so their streams
count in the same pools.
"""

from __future__ import annotations

__all__ = ["STREAMS_PER_POOL", "PoolPlaces"]

STREAMS_PER_POOL = 500
"""Streams per httpx client: 1,000 open at once on one client in 1.8 s, 4,000 never do
(httpcore's pool work grows with its connections)."""


class PoolPlaces:
    """How many live streams each pool holds; a new stream goes to the first with room."""

    __slots__ = ("_loads", "per_pool")

    def __init__(self, per_pool: int = STREAMS_PER_POOL):
        self.per_pool = per_pool
        self._loads: list[int] = []

    @property
    def loads(self) -> tuple[int, ...]:
        """Live streams per pool, by pool number."""
        return tuple(self._loads)

    def take(self) -> int:
        """A place for a new stream: the number of the pool it joins."""
        loads = self._loads
        for pool, load in enumerate(loads):  # a few pools: thousands of streams / per_pool
            if load < self.per_pool:
                loads[pool] = load + 1
                return pool
        loads.append(1)
        return len(loads) - 1

    def give_back(self, pool: int) -> None:
        """A stream of `pool` is done with its place (called once per `take`)."""
        self._loads[pool] -= 1
