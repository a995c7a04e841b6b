"""Every Lua script of the distributed mode, in one place, each one atomic on the server.

Times are microseconds from Redis `TIME`, never a host's clock: processes on several
hosts then agree on every window even when their clocks do not. Durations travel back to
the callers as relative microseconds, so a caller sleeps on its own monotonic clock.
"""

from __future__ import annotations

__all__ = [
    "LEASE_ACQUIRE",
    "LEASE_RELEASE",
    "LEASE_RENEW",
    "LIMITER_GRANT",
    "LIMITER_PAUSE",
    "STREAM_APPEND",
]

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
"""

LIMITER_GRANT = (
    _NOW
    + """
-- KEYS: 1 grants (sorted set, score = grant time), 2 GCRA tat, 3 paused-until
-- ARGV: 1 limit per window, 2 window + guard (us), 3 interval (us), 4 burst, 5 member
local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local at = now
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > at then at = paused end
local tat = tonumber(redis.call('GET', KEYS[2]) or '0')
local spaced = tat - (burst - 1) * interval
if spaced > at then at = spaced end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local free = tonumber(oldest[2]) + span
  if free > at then at = free end
end
if at > now then
  return {0, math.ceil(at - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], math.ceil(span / 1000) + 1000)
local next_tat = math.max(tat, now) + interval
redis.call('SET', KEYS[2], string.format('%.0f', next_tat),
           'PX', math.ceil((next_tat - now) / 1000) + 1000)
return {1, now}
"""
)
"""One grant: a sliding-window log (at most `limit` grants in any window, exactly) and a
GCRA spacing rule (at most `burst` back to back), behind a shared pause. Returns
{1, grant time (us)} when granted, else {0, microseconds until the earliest possible grant}."""

LIMITER_PAUSE = (
    _NOW
    + """
-- KEYS: 1 paused-until; ARGV: 1 pause (us). Returns the pause still to run (us).
local until_at = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_at > current then
  redis.call('SET', KEYS[1], string.format('%.0f', until_at),
             'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
  return math.ceil(until_at - now)
end
return math.ceil(current - now)
"""
)

LEASE_ACQUIRE = """
-- KEYS: 1 lease, 2 fencing counter, 3 last-seen; ARGV: 1 owner, 2 ttl (ms)
-- Returns {token or 0, holder or '', last seen or ''}.
local seen = redis.call('GET', KEYS[3]) or ''
if redis.call('EXISTS', KEYS[1]) == 0 then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
  return {token, ARGV[1] .. '|' .. token, seen}
end
return {0, redis.call('GET', KEYS[1]), seen}
"""
"""SET NX PX with a fencing token: INCR makes each term's token larger than any before."""

LEASE_RENEW = """
-- KEYS: 1 lease, 2 last-seen; ARGV: 1 holder (owner|token), 2 ttl (ms), 3 last seen or ''
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'PX', 86400000) end
return 1
"""

LEASE_RELEASE = """
-- KEYS: 1 lease, 2 last-seen; ARGV: 1 holder, 2 last seen or ''
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'PX', 86400000) end
return 1
"""

STREAM_APPEND = """
-- KEYS: 1 lease, 2 stream, 3 last-seen
-- ARGV: 1 holder, 2 maxlen, 3 last seen, then triples (kind, name, payload)
-- The fencing check and the writes are one atomic step: a deposed leader writes nothing.
local holder = ARGV[1]
if redis.call('GET', KEYS[1]) ~= holder then return false end
local token = string.match(holder, '|(%d+)$')
redis.call('SET', KEYS[3], ARGV[3], 'PX', 86400000)
local ids = {}
for i = 4, #ARGV, 3 do
  ids[#ids + 1] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
                             'k', ARGV[i], 'n', ARGV[i + 1], 'j', ARGV[i + 2], 'f', token)
end
return ids
"""
"""XADD a batch of entries only if the caller still holds the lease (its fencing token is
current); returns the new ids, or nil (None) when the caller was deposed."""
