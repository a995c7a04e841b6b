"""6. Rate limiter accuracy, real clock.

- end to end: 200 tasks call `get_variable` in a loop for a few seconds through the default
  limiter (10 req/s, burst 5) against a fake cloud that enforces 10 req/s per client with
  429s; we record when each request was granted by the limiter, sent (an httpx request
  hook) and seen by the server's limiter (a probe in the fake's process), the most of each
  in any 1 s window, the 429s received, and whether grants kept the order in which callers
  arrived (tickets taken as each caller called `acquire()`);
- limiter alone: 200 tasks `acquire()` in a loop from a `RateLimiter(100, burst=10)` (no
  HTTP), same checks, so the window statistic rests on more samples.

One child process per side; each starts its own fake cloud (this tree's).
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from ._common import Table, max_in_window
from ._harness import Context, run_child

CALLERS = 200


def _recording_limiter(*args: Any, **kwargs: Any) -> Any:
    """A `RateLimiter` that notes each caller's arrival ticket and when it was granted."""
    from particle_async import RateLimiter

    class RecordingLimiter(RateLimiter):
        def __init__(self) -> None:
            super().__init__(*args, **kwargs)
            self._tickets = itertools.count()
            self.grants: list[tuple[int, float]] = []

        async def acquire(self) -> None:
            ticket = next(self._tickets)  # taken before any await: the arrival order
            await super().acquire()
            self.grants.append((ticket, time.monotonic()))

    return RecordingLimiter()


def _inversions(grants: list[tuple[int, float]]) -> int:
    """Grants given to a caller that arrived after one still waiting (adjacent pairs)."""
    tickets = [ticket for ticket, _ in grants]
    return sum(1 for a, b in itertools.pairwise(tickets) if b < a)


async def _hammer(seconds: float, call: Any) -> None:
    import anyio

    async def caller() -> None:
        while True:
            await call()

    with anyio.move_on_after(seconds):
        async with anyio.create_task_group() as tg:
            for _ in range(CALLERS):
                tg.start_soon(caller)


async def _end_to_end(fake: Any, device_id: str, seconds: float) -> dict[str, Any]:
    import anyio
    import httpx

    from particle_async import Particle
    from particle_async._client import default_limiter

    default = default_limiter()
    limiter = _recording_limiter(
        default.rate, per=default.per, burst=default._burst, guard=default.guard
    )
    sent: list[float] = []
    statuses: list[int] = []

    async def on_request(request: httpx.Request) -> None:
        sent.append(time.monotonic())

    async def on_response(response: httpx.Response) -> None:
        statuses.append(response.status_code)

    hooks: dict[str, list[Any]] = {"request": [on_request], "response": [on_response]}
    async with (
        httpx.AsyncClient(event_hooks=hooks) as http,
        Particle(
            token=fake.token, base_url=fake.base_url, rate_limiter=limiter, http_client=http
        ) as cloud,
    ):
        await _hammer(seconds, lambda: cloud.devices.get_variable(device_id, "temperature"))
    arrivals = json.loads(await anyio.to_thread.run_sync(fake.command, "arrivals"))
    return {
        "granted": len(limiter.grants),
        "max_window_granted": max_in_window([t for _, t in limiter.grants]),
        "max_window_sent": max_in_window(sent),
        "max_window_server": max_in_window(arrivals),
        "status_429": statuses.count(429),
        "inversions": _inversions(limiter.grants),
        "limit": int(default.rate * default.per),
    }


async def _alone(seconds: float) -> dict[str, Any]:
    limiter = _recording_limiter(100, per=1.0, burst=10)
    await _hammer(seconds, limiter.acquire)
    return {
        "granted": len(limiter.grants),
        "max_window_granted": max_in_window([t for _, t in limiter.grants]),
        "max_window_sent": None,
        "max_window_server": None,
        "status_429": None,
        "inversions": _inversions(limiter.grants),
        "limit": 100,
    }


def measure(seconds: float) -> dict[str, Any]:
    """In a child: both setups."""
    import anyio

    from ._fake import FakeCloudProcess

    with FakeCloudProcess(rate_limit=None) as fake:
        fake.command("rate 10")
        e2e = anyio.run(_end_to_end, fake, fake.devices["alpha"], seconds)
    return {"e2e": e2e, "alone": anyio.run(_alone, min(seconds, 2.0))}


def run(ctx: Context) -> None:
    seconds = 2.0 if ctx.quick else 3.0
    table = Table(
        f"6. rate limiter, {CALLERS} concurrent callers for {seconds:g} s, real clock",
        [
            "setup",
            "side",
            "limit/s",
            "granted",
            "max/1s: granted",
            "sent",
            "at server",
            "429s",
            "FIFO",
        ],
        [32, 6, 7, 7, 15, 4, 9, 5, 14],
    )
    for side in ctx.sides:
        got = run_child(side, "limiter", "measure", seconds=seconds)
        for label, key in (
            ("default limiter -> fake cloud", "e2e"),
            ("RateLimiter(100, burst=10) alone", "alone"),
        ):
            r = got[key]
            table.row(
                label,
                side.name,
                r["limit"],
                r["granted"],
                r["max_window_granted"],
                "-" if r["max_window_sent"] is None else r["max_window_sent"],
                "-" if r["max_window_server"] is None else r["max_window_server"],
                "-" if r["status_429"] is None else r["status_429"],
                "kept" if r["inversions"] == 0 else f"{r['inversions']} inversions",
            )
