"""`python -m examples.fleet`: a leader-elected bridge and 3 workers, as separate processes.

Starts the embedded fake cloud (a device publishing `temp` every 50 ms) and a local
`redis-server` (the same starter the tests use), then 3 worker processes that each run
`cloud.events.bridge(...)` and `bridge.consume("workers", name)`. One of them leads and
holds the only upstream subscription. Halfway through, the leader is killed with SIGKILL:
another worker takes over within the lease (1 s) plus one renewal, writes a gap marker
for the time nobody was subscribed, and the dead worker's unacknowledged events are
reclaimed by the others. Prints who leads and what each worker handled.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from typing import Any

from particle_async.distributed.testing import RedisServer
from particle_async.testing import FakeCloud

WORKERS = ("w1", "w2", "w3")
PUBLISH_EVERY = 0.05


def start_worker(name: str, redis_url: str, fake: FakeCloud) -> Any:
    env = dict(os.environ, PARTICLE_ACCESS_TOKEN=fake.token, PARTICLE_API_BASE_URL=fake.base_url)
    command = [sys.executable, "-m", "examples.fleet.worker", "--name", name]
    command += ["--redis", redis_url]
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )


def pump(proc: Any, lines: queue.Queue[dict[str, Any]]) -> None:
    for line in proc.stdout:
        lines.put(json.loads(line))


class Fleet:
    """What the workers told us, as it arrives."""

    def __init__(self) -> None:
        self.leader: str | None = None
        self.connects = 0
        self.handled: dict[str, list[str]] = defaultdict(list)
        self.data: dict[str, str] = {}
        self.redelivered: Counter[str] = Counter()
        self.gaps: list[tuple[str, float, str]] = []
        self.done: set[str] = set()

    def take(self, msg: dict[str, Any]) -> None:
        who = msg["w"]
        if msg.get("lead") is True:
            self.leader = who
            print(f"{who} leads")
        elif msg.get("lead") is False:
            print(f"{who} steps down")
        elif "connected" in msg:
            self.connects += 1
        elif "h" in msg:
            self.handled[who].append(msg["h"])
            self.data[msg["h"]] = msg["d"]
            self.redelivered[who] += bool(msg["r"])
        elif "gap" in msg:
            self.gaps.append((who, msg["gap"], msg["reason"]))
            print(f"{who} saw a gap of {msg['gap']:.2f} s ({msg['reason']})")
        elif "done" in msg:
            self.done.add(who)


def wait_for(fleet: Fleet, lines: queue.Queue[dict[str, Any]], until: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the fleet did not get there in time")
        try:
            fleet.take(lines.get(timeout=left))
        except queue.Empty:
            continue


def report(fleet: Fleet, published: int, killed: str) -> None:
    print("\nwhat each worker handled:")
    for name in WORKERS:
        ids = fleet.handled.get(name, [])
        note = " (killed with SIGKILL)" if name == killed else ""
        again = fleet.redelivered[name]
        print(f"  {name}: {len(ids)} events, {again} of them reclaimed or redelivered{note}")
    every = [i for ids in fleet.handled.values() for i in ids]
    unique = len(set(every))
    gap_seconds = sum(seconds for seconds, _ in {(g[1], g[2]) for g in fleet.gaps})
    missing = published - unique
    print(f"published {published}, handled {unique} distinct entries")
    print(f"  duplicates: {len(every) - unique} (delivery is at least once; entry ids tell them)")
    print(
        f"  not handled: {missing}, published during the {gap_seconds:.2f} s gap "
        f"(about {gap_seconds / PUBLISH_EVERY:.0f} at one per {PUBLISH_EVERY * 1000:.0f} ms), "
        "when no leader was subscribed"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.fleet", description=__doc__)
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="how long to run after the failover"
    )
    args = parser.parse_args(argv)
    lines: queue.Queue[dict[str, Any]] = queue.Queue()
    fleet = Fleet()
    with FakeCloud(rate_limit=None) as fake, RedisServer() as server:
        device = fake.add_device(name="sensor")
        procs = {name: start_worker(name, server.url, fake) for name in WORKERS}
        for proc in procs.values():
            threading.Thread(target=pump, args=(proc, lines), daemon=True).start()
        try:
            wait_for(fleet, lines, lambda: fleet.connects >= 1, 30)
            simulation = fake.simulate(device, "temp", interval=PUBLISH_EVERY)
            wait_for(fleet, lines, lambda: len(fleet.data) >= 20, 30)
            killed = fleet.leader or ""
            print(f"kill -9 {killed} (the leader)")
            os.kill(procs[killed].pid, signal.SIGKILL)
            procs[killed].wait()
            wait_for(fleet, lines, lambda: fleet.connects >= 2, 30)
            wait_for(fleet, lines, lambda: fleet.leader != killed and len(fleet.gaps) >= 1, 30)
            deadline = time.monotonic() + args.seconds
            wait_for(fleet, lines, lambda: time.monotonic() >= deadline, args.seconds + 1)
            simulation.stop()
            last = [e.data for e in fake.published if e.name == "temp"][-1]
            wait_for(fleet, lines, lambda: last in fleet.data.values(), 30)  # all drained
            published = sum(1 for e in fake.published if e.name == "temp")
            survivors = {n for n in WORKERS if n != killed}
            for name in survivors:
                procs[name].stdin.close()  # "stop": each acknowledges and exits
            wait_for(fleet, lines, lambda: survivors <= fleet.done, 30)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                proc.stdout.close()
    report(fleet, published, killed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
