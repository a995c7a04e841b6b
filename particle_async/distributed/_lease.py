"""`Lease`: who leads a bridge, as a Redis key with an expiry and a fencing token.

- acquire: `SET NX PX` in a script that also `INCR`s a counter, so every term gets a
  fencing token larger than any before it; the key's value is `owner|token` (the holder);
- renew: `PEXPIRE` only if the value is still ours (a compare-and-set in Lua);
- release: `DEL` only if still ours, so a clean shutdown hands over at once.

Beside the lease lives `seen`: the wall time (ISO 8601) up to which the current leader
has written everything it received. The leader stores it on each renewal; every
candidate reads it on each acquire attempt, so the next leader knows where its gap starts
even when Redis itself lost its data meanwhile (a restart without persistence).

Writes are fenced separately, in the append script (`_lua.STREAM_APPEND`): it checks the
holder atomically with the XADD, so a leader that lost its lease writes nothing, even if it
has not noticed yet.
"""

from __future__ import annotations

import time
from typing import Any

import anyio

from ._compat import text
from ._lua import LEASE_ACQUIRE, LEASE_RELEASE, LEASE_RENEW

__all__ = ["Lease"]


class Lease:
    """One bridge's lease under `name`, held (or wanted) by `owner`."""

    def __init__(self, redis: Any, name: str, owner: str, *, ttl: float, op_timeout: float):
        if "|" in owner:
            raise ValueError("owner must not contain '|'")
        self.owner = owner
        self.ttl = ttl
        self.op_timeout = op_timeout
        self.key = f"{{{name}}}:lease"
        self.fence_key = f"{{{name}}}:fence"
        self.seen_key = f"{{{name}}}:seen"
        self.holder: str | None = None  # "owner|token" while we hold it
        self.token = 0
        self.seen = ""  # the latest `seen` read from Redis
        self.holder_seen_at = 0.0  # wall time we last saw another process hold the lease
        self._acquire = redis.register_script(LEASE_ACQUIRE)
        self._renew = redis.register_script(LEASE_RENEW)
        self._release = redis.register_script(LEASE_RELEASE)
        self._redis = redis

    @property
    def ttl_ms(self) -> int:
        return max(1, int(self.ttl * 1000))

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; remembers `seen` either way."""
        with anyio.fail_after(self.op_timeout):
            token, holder, seen = await self._acquire(
                keys=[self.key, self.fence_key, self.seen_key], args=[self.owner, self.ttl_ms]
            )
        if seen:
            self.seen = max(self.seen, text(seen))
        if int(token):
            self.token = int(token)
            self.holder = text(holder)
            return True
        if holder is not None:
            self.holder_seen_at = time.time()
        return False

    async def renew(self, seen: str) -> bool:
        """Extend our lease (and publish `seen`); False if it is no longer ours."""
        if self.holder is None:
            return False
        with anyio.fail_after(self.op_timeout):
            ok = await self._renew(
                keys=[self.key, self.seen_key], args=[self.holder, self.ttl_ms, seen]
            )
        if not int(ok):
            self.holder = None
        return bool(int(ok))

    async def release(self, seen: str) -> None:
        """Give the lease up (if still ours) so another candidate can take it at once."""
        holder, self.holder = self.holder, None
        if holder is None:
            return
        with anyio.fail_after(self.op_timeout):
            await self._release(keys=[self.key, self.seen_key], args=[holder, seen])

    def forget(self) -> None:
        """We know we lost it (a fenced write, an expiry): stop claiming it."""
        self.holder = None

    async def current_holder(self) -> str | None:
        """The owner of the lease right now (any process), or None."""
        with anyio.fail_after(self.op_timeout):
            value = await self._redis.get(self.key)
        return text(value).rpartition("|")[0] if value is not None else None
