"""6. Distributed mode on Redis: the shared limiter across processes, and the bridge.

Limiter: 4 processes x 50 callers loop `get_variable` for 5 s against the fake cloud (in
its own process) enforcing 10 req/s per address with 429s, each process with a
`RedisRateLimiter` on one key; then the same with 4 local limiters (the default one, one
per process). We count 429s, the most requests the server saw in any 1 s window, and the
sustained rate of successful calls.

Bridge: one leader process subscribes to the loopback server's `/stamped` stream (each
event's data is the server's `monotonic_ns()` at write time; the clock is system wide)
and appends to Redis; 4 worker processes read the consumer group. Saturated: N events as
fast as the server writes them; events/s from the first to the last receipt by any
worker. Paced: 1,000 events/s for 2 s; p50/p99 latency from the server's write to the
worker's receipt, beside a direct `subscribe()` in one process (the "added latency").

Then the fault runs (kill -9 of a worker, kill -9 of the leader, a Redis restart), each a
fleet of processes: `redis_faults.py` (also `python -m benchmarks.redis_faults` alone).

Child processes are this module: `python -m benchmarks.distributed <role> ...`, started
with pipes; each waits for "go" on stdin and stops when stdin closes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

import anyio

from particle_async import Particle, RateLimitedError
from particle_async._client import default_limiter
from particle_async._retry import NO_RETRY
from particle_async.streaming import BackoffPolicy

from . import redis_faults
from ._common import Table, max_in_window, percentile
from ._fake import FakeCloudProcess
from ._proc import stop_child
from ._server import LoopbackServer

PROCESSES = 4
CALLERS = 50
WORKERS = 4


# -- children ------------------------------------------------------------------------


async def _wait_go() -> None:
    print("ready", flush=True)
    await anyio.to_thread.run_sync(sys.stdin.readline)


async def limiter_child(mode: str, redis_url: str, device: str, seconds: float) -> None:
    import redis.asyncio

    from particle_async.distributed import RedisRateLimiter

    r = redis.asyncio.Redis.from_url(redis_url)
    limiter: Any = RedisRateLimiter(r, key="bench") if mode == "redis" else default_limiter()
    ok = limited = 0
    await _wait_go()
    async with Particle(rate_limiter=limiter, retry=NO_RETRY) as cloud:  # token from env

        async def loop() -> None:
            nonlocal ok, limited
            while True:
                try:
                    await cloud.devices.get_variable(device, "temperature")
                    ok += 1
                except RateLimitedError:
                    limited += 1

        with anyio.move_on_after(seconds):
            async with anyio.create_task_group() as tg:
                for _ in range(CALLERS):
                    tg.start_soon(loop)
    await r.aclose()
    print(json.dumps({"ok": ok, "limited": limited}), flush=True)


async def leader_child(redis_url: str, base_url: str) -> None:
    import redis.asyncio

    r = redis.asyncio.Redis.from_url(redis_url)
    await _wait_go()
    async with Particle(token="0" * 40, base_url=base_url, rate_limiter=None) as cloud:
        once = {"backoff": BackoffPolicy(initial=60.0, cap=60.0)}  # the server ends after N
        bridge = cloud.events.bridge(
            r, "bench", "temp", subscribe=once, lease_ttl=5.0, maxlen=1_000_000
        )
        async with bridge:
            await anyio.to_thread.run_sync(sys.stdin.readline)
        print(json.dumps({"written": bridge.stats.events_written}), flush=True)
    await r.aclose()


async def worker_child(redis_url: str, name: str) -> None:
    import redis.asyncio

    from particle_async.distributed import BridgeConsumer

    r = redis.asyncio.Redis.from_url(redis_url)
    latencies: list[float] = []
    first = last = 0
    consumer = BridgeConsumer(r, "{bench}:events", "workers", name, count=200, block=0.1)
    await _wait_go()
    async with anyio.create_task_group() as tg:

        async def stop() -> None:
            await anyio.to_thread.run_sync(sys.stdin.readline, abandon_on_cancel=True)
            tg.cancel_scope.cancel()

        tg.start_soon(stop)
        async with consumer:
            async for event in consumer:
                now = time.monotonic_ns()
                first = first or now
                last = now
                latencies.append((now - int(event.data or 0)) / 1e6)
                if len(latencies) % 200 == 0:
                    print(json.dumps({"n": len(latencies)}), flush=True)
    await r.aclose()
    done = {"n": len(latencies), "first": first, "last": last, "lat": latencies[::5]}
    print(json.dumps({"done": done}), flush=True)


# -- the parent ----------------------------------------------------------------------


class Child:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.distributed", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, **(env or {})),
        )
        self.lines: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == "ready":
                self.ready.set()
                continue
            with self.changed:
                self.lines.append(json.loads(line))
                self.changed.notify_all()

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def result(self, key: str, timeout: float = 60) -> Any:
        with self.changed:
            found = self.changed.wait_for(lambda: any(key in m for m in self.lines), timeout)
        if not found:
            raise TimeoutError(f"no {key!r} from a child")
        return next(m for m in self.lines if key in m)

    def stop(self) -> None:
        stop_child(self.proc, 30)  # type: ignore[arg-type]


def _start_all(children: list[Child]) -> None:
    for child in children:
        if not child.ready.wait(60):
            raise TimeoutError("a child did not start")
    for child in children:
        child.send("go")


def limiter_run(redis_url: str, seconds: float) -> None:
    table = Table(
        f"limiter: {PROCESSES} processes x {CALLERS} callers, {seconds:.0f} s, cloud at 10/s",
        ["limiters", "ok", "429s", "max/1s at server", "sustained ok/s"],
        [26, 6, 6, 17, 15],
    )
    with FakeCloudProcess(rate_limit=10) as fake:
        env = {"PARTICLE_ACCESS_TOKEN": fake.token, "PARTICLE_API_BASE_URL": fake.base_url}
        for mode in ("redis", "local"):
            fake.command("rate 10")  # also clears the arrivals
            children = [
                Child("limiter", mode, redis_url, fake.devices["alpha"], str(seconds), env=env)
                for _ in range(PROCESSES)
            ]
            _start_all(children)
            results = [child.result("ok", seconds + 60) for child in children]
            for child in children:
                child.stop()
            arrivals = json.loads(fake.command("arrivals"))
            ok = sum(r["ok"] for r in results)
            limited = sum(r["limited"] for r in results)
            label = "1 RedisRateLimiter (shared)" if mode == "redis" else "4 local RateLimiters"
            peak = max_in_window(arrivals, 1.0)
            table.row(label, ok, limited, peak, f"{ok / seconds:.2f}")


def bridge_run(redis_url: str, server: LoopbackServer, n: int, paced_rate: int) -> None:
    import redis

    table = Table(
        f"bridge: one upstream -> Redis -> {WORKERS} worker processes",
        ["run", "events", "events/s", "p50 ms", "p99 ms"],
        [34, 8, 10, 8, 8],
    )
    for label, count, rate in (("saturated", n, 0), ("paced", paced_rate * 2, paced_rate)):
        redis.Redis.from_url(redis_url).flushall()
        workers = [Child("worker", redis_url, f"w{i}") for i in range(WORKERS)]
        leader = Child("leader", redis_url, server.url("stamped", count, rate))
        _start_all([*workers, leader])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            got = sum(max([m["n"] for m in w.lines if "n" in m] or [0]) for w in workers)
            if got >= count - 200 * WORKERS:
                break
            time.sleep(0.05)  # a benchmark probe, not a test: progress lines every 200
        time.sleep(1.0)  # the last < 200 per worker (paced: < 0.8 s of events)
        for worker in workers:
            worker.send("stop")
        done = [w.result("done")["done"] for w in workers]
        leader.send("stop")
        leader.result("written")
        for child in (*workers, leader):
            child.stop()
        total = sum(d["n"] for d in done)
        span = (max(d["last"] for d in done) - min(d["first"] for d in done if d["first"])) / 1e9
        lat = [x for d in done for x in d["lat"]]
        rate_text = f"{total / span:,.0f}" if span > 0 else "-"
        table.row(
            f"bridged, {label}",
            total,
            rate_text,
            f"{percentile(lat, 50):.2f}",
            f"{percentile(lat, 99):.2f}",
        )
    direct = anyio.run(
        _direct_latency, server.url("stamped", paced_rate * 2, paced_rate), paced_rate * 2
    )
    table.row(
        "direct subscribe(), paced",
        len(direct),
        "-",
        f"{percentile(direct, 50):.2f}",
        f"{percentile(direct, 99):.2f}",
    )


async def _direct_latency(base_url: str, count: int) -> list[float]:
    latencies: list[float] = []
    cloud = Particle(token="0" * 40, base_url=base_url, rate_limiter=None)
    async with cloud, cloud.events.subscribe("temp") as stream:
        async for event in stream:
            latencies.append((time.monotonic_ns() - int(event.data or 0)) / 1e6)
            if len(latencies) == count:
                break
    return latencies


def run(server: LoopbackServer, *, quick: bool = False) -> None:
    from particle_async.distributed.testing import RedisServer

    with RedisServer() as redis_server:
        limiter_run(redis_server.url, 2.0 if quick else 5.0)
        bridge_run(redis_server.url, server, 10_000 if quick else 40_000, 1000)
    redis_faults.run(quick=quick)  # each with its own fleet and redis-server


def _child(argv: list[str]) -> None:
    role, *args = argv
    if role == "limiter":
        anyio.run(limiter_child, args[0], args[1], args[2], float(args[3]))
    elif role == "leader":
        anyio.run(leader_child, args[0], args[1])
    elif role == "worker":
        anyio.run(worker_child, args[0], args[1])


if __name__ == "__main__":
    _child(sys.argv[1:])
