"""6b. Distributed mode, the three fault runs: kill -9 of a worker, of the leader, a Redis restart.

Each run is a fleet of 3 member processes (each runs `cloud.events.bridge(...)` with a 1 s
lease and `bridge.consume("workers", name)`, handling each event in 20 ms), a fresh
`redis-server` (`RedisServer`, no persistence) and the fake cloud in this process, whose
device publishes `temp` every 10 ms (data: its sequence number). After 1 s of flow the
fault, then flow until the fleet has recovered plus 1 s, then the publisher stops and the
fleet drains. Counted from what the members report (one JSON line per fact on stdout)
and what the fake cloud published:

- published, handled (distinct), duplicates (handled more than once: at-least-once),
  lost (published, never handled); each lost event is checked against the gap windows
  the fleet reported (gap markers, deduplicated), so "lost outside a gap" is silent loss;
- worker kill: a burst of 30 events (so each worker holds a batch read ahead), then the
  kill of a follower once it holds at least 3 entries; entries pending on it at the kill
  (XPENDING), and how many of them the others handled (XAUTOCLAIM after `min_idle`);
- leader kill: failover time (the kill to another member's "I lead", and to its upstream
  connecting), the gap it reported;
- Redis restart: the time from the restart to the first event handled that was published
  after it, the gaps reported, and what was lost (stated by gap reason).

`python -m benchmarks distributed` runs these after the limiter and bridge figures;
`python -m benchmarks.redis_faults` runs them alone. Children are this module too:
`python -m benchmarks.redis_faults member NAME REDIS_URL` (token and URL in the environment).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import anyio

from particle_async import Particle
from particle_async.streaming import StreamState, StreamStatus

from ._common import Table

MEMBERS = ("w1", "w2", "w3")
LEASE_TTL = 1.0
PUBLISH_EVERY = 0.01
HANDLE_SECONDS = 0.02
READ_AHEAD = 10
MIN_IDLE = 1.0
BURST = 30  # published at once just before the worker kill
STREAM, GROUP = "{faults}:events", "workers"


# -- the member process ----------------------------------------------------------------


def _say(**fields: Any) -> None:
    print(json.dumps({"t": time.monotonic(), **fields}), flush=True)


async def member_child(name: str, redis_url: str) -> None:
    """A worker of the fleet: takes part in the election and handles events until its
    stdin closes. Prints `lead`, `connected`, `h` (handled), `gap` and `done` lines."""
    import redis.asyncio

    r = redis.asyncio.Redis.from_url(redis_url)

    def on_status(status: StreamStatus) -> None:
        if status.state is StreamState.CONNECTED:
            _say(connected=True)

    async with Particle(rate_limiter=None) as cloud:  # token and URL from the environment
        bridge = cloud.events.bridge(
            r, "faults", "temp", owner=name, lease_ttl=LEASE_TTL,
            on_role=lambda leading: _say(lead=leading), on_status=on_status,
        )  # fmt: skip
        async with bridge:
            consumer = bridge.consume(
                GROUP, name, count=READ_AHEAD, block=0.2, min_idle=MIN_IDLE, claim_every=0.25
            )
            async with anyio.create_task_group() as tg:
                tg.start_soon(_stop_on_eof, tg.cancel_scope)
                async with consumer:
                    _say(ready=True)
                    async for event in consumer:
                        if event.gap is not None:
                            gap = event.gap
                            span = (gap.started_at.timestamp(), gap.ended_at.timestamp())
                            _say(gap=span, seconds=gap.seconds, reason=gap.reason)
                            continue
                        await anyio.sleep(HANDLE_SECONDS)  # the work
                        _say(h=event.data, id=event.entry_id, r=event.redelivered)
    await r.aclose()
    _say(done=True)


async def _stop_on_eof(scope: anyio.CancelScope) -> None:
    await anyio.to_thread.run_sync(sys.stdin.read, abandon_on_cancel=True)
    scope.cancel()


# -- the parent: a fleet and what it reports ------------------------------------------


class Fleet:
    """The member processes and what they said, taken on this thread as it arrives."""

    def __init__(self, redis_url: str, env: dict[str, str]) -> None:
        self.lines: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.procs: dict[str, subprocess.Popen[str]] = {}
        self.leaders: list[tuple[str, float]] = []  # (who, monotonic t) of each "I lead"
        self.connects: list[tuple[str, float]] = []
        self.handled: list[tuple[str, str, str, float]] = []  # who, data, entry id, t
        self.redelivered = 0
        self.gaps: set[tuple[float, float, float, str]] = set()  # start, end (wall), s, why
        self.ready: set[str] = set()
        self.done: set[str] = set()
        for name in MEMBERS:
            proc = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.redis_faults", "member", name, redis_url],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=dict(os.environ, **env),
            )
            self.procs[name] = proc
            threading.Thread(target=self._pump, args=(name, proc), daemon=True).start()

    def _pump(self, name: str, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with contextlib.suppress(ValueError):  # a line cut short by kill -9
                self.lines.put((name, json.loads(line)))

    def _take(self, who: str, msg: dict[str, Any]) -> None:
        t = msg["t"]
        if msg.get("lead") is True:
            self.leaders.append((who, t))
        elif "connected" in msg:
            self.connects.append((who, t))
        elif "h" in msg:
            self.handled.append((who, msg["h"], msg["id"], t))
            self.redelivered += bool(msg["r"])
        elif "gap" in msg:
            self.gaps.add((msg["gap"][0], msg["gap"][1], msg["seconds"], msg["reason"]))
        elif "ready" in msg:
            self.ready.add(who)
        elif "done" in msg:
            self.done.add(who)

    def wait(self, until: Callable[[], bool], timeout: float, what: str) -> None:
        """Take lines until `until()` holds; TimeoutError (naming `what`) after `timeout`."""
        deadline = time.monotonic() + timeout
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the fleet did not get there in {timeout:.0f} s: {what}")
            try:
                self._take(*self.lines.get(timeout=min(left, 0.1)))
            except queue.Empty:
                continue

    def wait_seconds(self, seconds: float) -> None:
        """Keep taking lines for `seconds` (the flow goes on meanwhile)."""
        end = time.monotonic() + seconds
        self.wait(lambda: time.monotonic() >= end, seconds + 1, "time passing")

    def start(self) -> None:
        self.wait(lambda: set(MEMBERS) <= self.ready and bool(self.connects), 60, "a leader")

    def leader(self) -> str:
        return self.leaders[-1][0]

    def distinct(self) -> set[str]:
        return {data for _, data, _, _ in self.handled}

    def ids_handled_by_others(self, than: str) -> set[str]:
        return {entry for who, _, entry, _ in self.handled if who != than}

    def kill(self, name: str) -> float:
        """kill -9 `name`; returns the monotonic time of the kill."""
        proc = self.procs[name]
        at = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return at

    def stop(self, timeout: float = 30) -> None:
        """Close the survivors' stdin ("stop": each acknowledges and exits), then reap."""
        alive = {n for n, p in self.procs.items() if p.poll() is None}
        for name in alive:
            stdin = self.procs[name].stdin
            assert stdin is not None
            stdin.close()
        self.wait(lambda: alive <= self.done, timeout, "clean exits")

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None and not pipe.closed:
                    pipe.close()


def published_at(fake: Any) -> dict[str, float]:
    """Each `temp` event's data (its sequence number) -> when the fake published it (wall)."""
    return {e.data: e.published_at.timestamp() for e in fake.published if e.name == "temp"}


def finish(fleet: Fleet, fake: Any, simulation: Any) -> dict[str, float]:
    """Stop publishing, let the fleet drain, stop the members cleanly; returns
    `published_at`. Drained: every event published is handled, but those published inside
    a reported gap; what is still missing `MIN_IDLE + 5` s later counts as lost."""
    simulation.stop()
    fleet.wait_seconds(0.1)  # the publishing task ends on the fake's loop: let it
    published = published_at(fake)

    def drained() -> bool:
        windows = [(start, end, why) for start, end, _, why in fleet.gaps]
        missing = set(published) - fleet.distinct()
        return all(_reasons(published[data], windows) for data in missing)

    with contextlib.suppress(TimeoutError):
        fleet.wait(drained, MIN_IDLE + 5, "drained")
    fleet.stop()
    return published


# -- counting --------------------------------------------------------------------------


class Tally:
    """What was published against what was handled, and the loss against the gaps."""

    def __init__(self, fleet: Fleet, published: dict[str, float]) -> None:
        every = [data for _, data, _, _ in fleet.handled]
        distinct = set(every)
        self.published = len(published)
        self.handled = len(distinct & set(published))
        self.duplicates = len(every) - len(distinct)
        self.redelivered = fleet.redelivered
        lost = [t for data, t in published.items() if data not in distinct]
        self.lost = len(lost)
        windows = sorted((start, end, why) for start, end, _, why in fleet.gaps)
        self.in_gaps = sum(1 for t in published.values() if _reasons(t, windows))
        self.lost_by_reason: Counter[str] = Counter()
        outside: list[float] = []
        for t in lost:
            reasons = _reasons(t, windows)
            if reasons:
                self.lost_by_reason[" + ".join(sorted(reasons))] += 1
            else:
                outside.append(t)
        self.lost_outside = len(outside)
        self.worst_ms = max((_distance(t, windows) * 1000 for t in outside), default=0.0)

    def loss_text(self) -> str:
        """How the loss compares with the reported gaps."""
        if self.lost == 0 and self.in_gaps == 0:
            return "none, no gap"
        if self.lost and self.in_gaps == 0:
            return f"NOT in a gap: {self.lost}, no gap reported"
        text = "all in a gap" if not self.lost_outside else "NOT all in a gap"
        if self.lost_outside:
            text += f": {self.lost_outside} <= {self.worst_ms:.1f} ms outside"
        elif self.lost == self.in_gaps:
            text = "= the gap exactly"
        else:
            text += f" ({self.in_gaps - self.lost} in gap handled)"
        return text

    def row(self, table: Table, label: str, reclaimed: str) -> None:
        table.row(
            label, self.published, self.handled, self.lost, self.loss_text(),
            self.duplicates, reclaimed,
        )  # fmt: skip


def _reasons(t: float, windows: list[tuple[float, float, str]]) -> set[str]:
    return {why for start, end, why in windows if start <= t <= end}


def _distance(t: float, windows: list[tuple[float, float, str]]) -> float:
    return min((min(abs(t - s), abs(t - e)) for s, e, _ in windows), default=float("nan"))


def pending_of(redis_url: str, consumer: str) -> set[str]:
    """The entry ids pending on `consumer` in the group (read, never acknowledged)."""
    import redis

    r = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        rows = r.xpending_range(STREAM, GROUP, "-", "+", 100_000, consumername=consumer)
        return {str(row["message_id"]) for row in rows}
    finally:
        r.close()


# -- the three runs --------------------------------------------------------------------


class Run:
    """One fault run: the fake cloud, a fresh redis-server, a fleet; `with Run() as run:`."""

    def __enter__(self) -> Run:
        from particle_async.distributed.testing import RedisServer
        from particle_async.testing import FakeCloud

        self.fake = FakeCloud(rate_limit=None).start()
        self.redis = RedisServer().start()
        env = {
            "PARTICLE_ACCESS_TOKEN": self.fake.token,
            "PARTICLE_API_BASE_URL": self.fake.base_url,
        }
        self.fleet = Fleet(self.redis.url, env)
        self.fleet.start()
        device = self.fake.add_device(name="sensor")
        self.simulation = self.fake.simulate(device, "temp", interval=PUBLISH_EVERY)
        self.fleet.wait(lambda: len(self.fleet.handled) >= 100, 30, "1 s of flow")
        return self

    def __exit__(self, *exc: object) -> None:
        self.simulation.stop()
        self.fleet.close()
        self.redis.close()
        self.fake.stop()

    def finish(self) -> Tally:
        return Tally(self.fleet, finish(self.fleet, self.fake, self.simulation))


def worker_kill(table: Table, notes: list[str]) -> None:
    with Run() as run:
        fleet = run.fleet
        victim = next(name for name in MEMBERS if name != fleet.leader())
        for i in range(BURST):  # a burst: each worker reads a batch ahead (`count`)
            run.fake.publish("temp", f"burst-{i}")
        holding(fleet, run.redis.url, victim, 3, 5.0)
        killed_at = fleet.kill(victim)
        pending = pending_of(run.redis.url, victim)
        fleet.wait(lambda: pending <= fleet.ids_handled_by_others(victim), 30, "reclaiming")
        reclaimed_after = time.monotonic() - killed_at
        fleet.wait_seconds(1.0)
        tally = run.finish()
    again = pending & {entry for who, _, entry, _ in fleet.handled if who == victim}
    tally.row(table, "kill -9 of a worker", f"{len(pending)}/{len(pending)}")
    notes.append(
        f"worker kill: after a burst of {BURST} events, {victim} (a follower) died with {len(pending)} entries pending; the "
        f"others had handled all of them {reclaimed_after:.2f} s later (min_idle "
        f"{MIN_IDLE:.0f} s); {len(again)} of them it had handled, not yet acknowledged "
        f"(the duplicates); {tally.redelivered} deliveries flagged redelivered"
    )


def holding(fleet: Fleet, redis_url: str, victim: str, entries: int, timeout: float) -> None:
    """Until `victim` holds at least `entries` unacknowledged entries (read ahead or being
    handled), or `timeout` passed: the moment to kill it (a benchmark probe, polling)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and len(pending_of(redis_url, victim)) < entries:
        fleet.wait_seconds(0.005)


def leader_kill(table: Table, notes: list[str]) -> None:
    with Run() as run:
        fleet = run.fleet
        killed = fleet.leader()
        killed_at = fleet.kill(killed)
        pending = pending_of(run.redis.url, killed)
        fleet.wait(lambda: fleet.leader() != killed, 10, "a new leader")
        new_leader, led_at = fleet.leaders[-1]
        fleet.wait(lambda: fleet.connects[-1][0] == new_leader, 10, "the new upstream")
        connected_at = fleet.connects[-1][1]
        fleet.wait(lambda: any(g[3] == "leader change" for g in fleet.gaps), 10, "the gap")
        fleet.wait(lambda: pending <= fleet.ids_handled_by_others(killed), 30, "reclaiming")
        fleet.wait_seconds(1.0)
        tally = run.finish()
    gap = max(g[2] for g in fleet.gaps if g[3] == "leader change")
    tally.row(table, "kill -9 of the leader", f"{len(pending)}/{len(pending)}")
    notes.append(
        f"leader kill: {killed} killed; {new_leader} led after {led_at - killed_at:.2f} s "
        f"(lease {LEASE_TTL:.0f} s + one renewal = {LEASE_TTL * 4 / 3:.2f} s at most), its "
        f"upstream connected after {connected_at - killed_at:.2f} s; gap reported "
        f"{gap:.2f} s ({gap / PUBLISH_EVERY:.0f} events at one per "
        f"{PUBLISH_EVERY * 1000:.0f} ms), lost {tally.lost}"
    )


def redis_restart(table: Table, notes: list[str], down: float) -> None:
    """kill -9 of redis-server, `down` seconds without it, started again empty."""
    with Run() as run:
        fleet = run.fleet
        terms = len(fleet.leaders)
        run.redis.kill()
        if down:
            fleet.wait_seconds(down)
        run.redis.restart()  # started again on its port, empty: no persistence
        up_wall, up_at = time.time(), time.monotonic()
        fleet.wait(lambda: len(fleet.leaders) > terms, 15, "a leader again")
        led_after = fleet.leaders[-1][1] - up_at

        def first_after() -> float | None:
            fresh = {d for d, t in published_at(run.fake).items() if t > up_wall}
            times = [h[3] for h in fleet.handled if h[1] in fresh]
            return min(times) if times else None

        fleet.wait(lambda: first_after() is not None, 15, "an event handled after")
        recovered = (first_after() or 0.0) - up_at
        fleet.wait_seconds(1.0)
        tally = run.finish()
    label = f"Redis down {down:.0f} s, restarted" if down else "Redis restarted at once"
    tally.row(table, label, "-")
    gaps = Counter(g[3] for g in fleet.gaps)
    longest = {why: max(g[2] for g in fleet.gaps if g[3] == why) for why in gaps}
    said = ", ".join(f"{why} x{n} (<= {longest[why]:.2f} s)" for why, n in sorted(gaps.items()))
    lost = ", ".join(f"{n} in {why}" for why, n in sorted(tally.lost_by_reason.items()))
    notes.append(
        f"{label}: once Redis was up, a leader again after {led_after:.2f} s and the "
        f"first event published after that handled {recovered:.2f} s later (no process "
        f"restarted); gaps reported: {said}; lost "
        f"{tally.lost} ({lost or 'none'}; {tally.lost_outside} outside a gap)"
    )


def run(*, quick: bool = False) -> None:
    """The three fault runs, one table and a note for each (`quick` changes nothing: each
    run is already a few seconds)."""
    table = Table(
        f"faults: {len(MEMBERS)} member processes, lease {LEASE_TTL:.0f} s, one event per "
        f"{PUBLISH_EVERY * 1000:.0f} ms, {HANDLE_SECONDS * 1000:.0f} ms to handle each",
        ["fault", "published", "handled", "lost", "lost vs gaps reported", "dups", "reclaimed"],
        [23, 9, 7, 4, 30, 4, 9],
    )
    notes: list[str] = []
    worker_kill(table, notes)
    leader_kill(table, notes)
    redis_restart(table, notes, 0.0)
    redis_restart(table, notes, 1.0)
    for note in notes:
        print(f"- {note}")


def _child(argv: list[str]) -> None:
    role, *args = argv or [""]
    if role == "member":
        anyio.run(member_child, args[0], args[1])
    else:
        run()


if __name__ == "__main__":
    _child(sys.argv[1:])
