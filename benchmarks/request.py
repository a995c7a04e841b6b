"""5. Request path: per-call overhead, and the rate limiter under 200 concurrent callers.

Per-call overhead, rate limiter disabled (`rate_limiter=None`), calls one after another:
`cloud.devices.get_variable(id, "temperature")` (request build, auth header, tenacity
retry wrapper, error mapping, JSON decode, the `VariableValue` model) vs a raw
`httpx.AsyncClient.get` + `json.loads` of the same URL with the same header,
- against the fake cloud (uvicorn, in a child process: see `_fake.py`; the server's own
  time is in both figures, so the difference is what the SDK adds);
- against an in-process `httpx.MockTransport` answering the same JSON (no server, no
  socket: what remains is client-side cost only).

Rate-limiter accuracy, real clock:
- end to end: 200 tasks call `get_variable` in a loop for a few seconds through the default
  limiter (10 req/s, burst 5) against a fake cloud that enforces 10 req/s per client
  with 429s; we record when each request was granted by the limiter, sent (an httpx
  request hook) and seen by the server's limiter (a probe in the fake's process), the
  most of each in any 1 s window, the 429s received, and whether grants kept the order
  in which callers arrived (tickets taken as each caller called `acquire()`);
- limiter alone: 200 tasks `acquire()` in a loop from a `RateLimiter(100, burst=10)`
  (no HTTP), same checks, so the window statistic rests on more samples.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import anyio
import httpx

from particle_async import Particle, RateLimiter
from particle_async._client import default_limiter

from ._common import Table, max_in_window
from ._fake import FakeCloudProcess

ANSWER = {"cmd": "VarReturn", "name": "temperature", "result": 21.5, "coreInfo": {}}
CALLERS = 200


# -- per-call overhead ---------------------------------------------------------------


async def _time_sdk(cloud: Particle, device_id: str, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        value = await cloud.devices.get_variable(device_id, "temperature")
    assert value == 21.5
    return (time.perf_counter() - start) / calls


async def _time_raw(client: httpx.AsyncClient, url: str, token: str, calls: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    for _ in range(calls):
        response = await client.get(url, headers=headers)
        response.raise_for_status()
        value = json.loads(response.content)["result"]
    assert value == 21.5
    return (time.perf_counter() - start) / calls


async def overhead(
    base_url: str,
    token: str,
    device_id: str,
    transport: httpx.AsyncBaseTransport | None,
    calls: int,
    rounds: int,
) -> tuple[float, float]:
    """Seconds per call, the best of interleaved rounds (noise only ever adds): (sdk, raw)."""
    url = f"{base_url}/v1/devices/{device_id}/temperature"
    sdk_times: list[float] = []
    raw_times: list[float] = []
    async with (
        httpx.AsyncClient(transport=transport) as raw,
        httpx.AsyncClient(transport=transport) as borrowed,
        Particle(token=token, base_url=base_url, rate_limiter=None, http_client=borrowed) as sdk,
    ):
        await _time_sdk(sdk, device_id, 20)  # warm-up: connection, imports
        await _time_raw(raw, url, token, 20)
        for _ in range(rounds):
            sdk_times.append(await _time_sdk(sdk, device_id, calls))
            raw_times.append(await _time_raw(raw, url, token, calls))
    return min(sdk_times), min(raw_times)


def _mock_transport() -> httpx.MockTransport:
    body = json.dumps(ANSWER).encode()

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(answer)


# -- rate limiter ------------------------------------------------------------------------


class RecordingLimiter(RateLimiter):
    """Notes each caller's arrival ticket and the moment it was granted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tickets = itertools.count()
        self.grants: list[tuple[int, float]] = []

    async def acquire(self) -> None:
        ticket = next(self._tickets)  # taken before any await: the arrival order
        await super().acquire()
        self.grants.append((ticket, time.monotonic()))


def _inversions(grants: list[tuple[int, float]]) -> int:
    """Grants given to a caller that arrived after one still waiting (adjacent pairs)."""
    tickets = [ticket for ticket, _ in grants]
    return sum(1 for a, b in itertools.pairwise(tickets) if b < a)


async def _hammer(seconds: float, call: Any) -> None:
    async def caller() -> None:
        while True:
            await call()

    with anyio.move_on_after(seconds):
        async with anyio.create_task_group() as tg:
            for _ in range(CALLERS):
                tg.start_soon(caller)


async def limiter_end_to_end(
    fake: FakeCloudProcess, device_id: str, seconds: float
) -> dict[str, Any]:
    default = default_limiter()
    limiter = RecordingLimiter(
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


async def limiter_alone(seconds: float) -> dict[str, Any]:
    limiter = RecordingLimiter(100, per=1.0, burst=10)
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


def run(*, quick: bool = False) -> None:
    calls, rounds, seconds = (100, 3, 2.0) if quick else (200, 5, 3.0)
    with FakeCloudProcess(rate_limit=None) as fake:
        device_id = fake.devices["alpha"]
        over_http = anyio.run(overhead, fake.base_url, fake.token, device_id, None, calls, rounds)
        fake.command("rate 10")
        e2e = anyio.run(limiter_end_to_end, fake, device_id, seconds)
    in_process = anyio.run(
        overhead,
        "http://mock",
        "0" * 40,
        "0123456789abcdef01234567",
        _mock_transport(),
        calls * 5,
        rounds,
    )
    table = Table(
        f"5a. per-call cost of get_variable vs raw httpx GET + json (best of {rounds} x {calls} calls)",
        ["against", "SDK us/call", "raw us/call", "SDK added us", "ratio"],
        [30, 11, 11, 12, 6],
    )
    for label, (sdk, raw) in (
        ("fake cloud (uvicorn, loopback)", over_http),
        ("httpx.MockTransport (no I/O)", in_process),
    ):
        table.row(
            label,
            f"{sdk * 1e6:.0f}",
            f"{raw * 1e6:.0f}",
            f"{(sdk - raw) * 1e6:+.0f}",
            f"{sdk / raw:.2f}x",
        )

    alone = anyio.run(limiter_alone, min(seconds, 2.0))
    table = Table(
        f"5b. rate limiter, {CALLERS} concurrent callers for {seconds:g} s, real clock",
        ["setup", "limit/s", "granted", "max/1s: granted", "sent", "at server", "429s", "FIFO"],
        [32, 7, 7, 15, 4, 9, 5, 14],
    )
    for label, r in (
        ("default limiter -> fake cloud", e2e),
        ("RateLimiter(100, burst=10) alone", alone),
    ):
        table.row(
            label,
            r["limit"],
            r["granted"],
            r["max_window_granted"],
            "-" if r["max_window_sent"] is None else r["max_window_sent"],
            "-" if r["max_window_server"] is None else r["max_window_server"],
            "-" if r["status_429"] is None else r["status_429"],
            "kept" if r["inversions"] == 0 else f"{r['inversions']} inversions",
        )
