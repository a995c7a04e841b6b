"""5. Request path: the per-call cost of `get_variable` against raw httpx.

Calls one after another, rate limiter disabled (`rate_limiter=None`):
`cloud.devices.get_variable(id, "temperature")` (request build, auth header, retry
policy, error mapping, JSON decode, the `VariableValue` model) against a raw
`httpx.AsyncClient.get` + `json.loads` of the same URL with the same header,
- against an in-process `httpx.MockTransport` answering the same JSON (no server, no
  socket: what remains is client-side cost only);
- against the fake cloud (uvicorn, in a child process, see `_fake.py`; the server's time
  is in both figures).

Each child process (one per side per round) runs `--inner` sub-rounds of `--calls` SDK
calls and `--calls` raw calls (five times as many against the mock), each sub-round as
`SPLIT` interleaved pairs of `--calls / SPLIT` calls a side (short pairs: a burst of load
from elsewhere on the machine spoils one pair, not a whole sub-round), in turns: SDK
first, then raw first, and so on, starting with raw in odd rounds (whichever runs second
in a pair differs by a few per cent, so a fixed order biases the ratio); the ratio is the
median of all same-pair ratios of a side. The fake cloud is one process for the whole
run, shared by both sides.

The rate limiter's accuracy is the `limiter` benchmark.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from ._common import Table, median, same_round, spread
from ._fake import FakeCloudProcess
from ._harness import Context, run_child

ANSWER = {"cmd": "VarReturn", "name": "temperature", "result": 21.5, "coreInfo": {}}
MOCK_URL, MOCK_TOKEN, MOCK_DEVICE = "http://mock", "0" * 40, "0123456789abcdef01234567"
MOCK_FACTOR = 5  # calls against the mock per call against the fake cloud (they are cheaper)
SPLIT = 5  # interleaved pairs per sub-round


async def _time_sdk(cloud: Any, device_id: str, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        value = await cloud.devices.get_variable(device_id, "temperature")
    if value != 21.5:
        raise RuntimeError(f"unexpected value {value!r}")
    return (time.perf_counter() - start) / calls


async def _time_raw(client: Any, url: str, token: str, calls: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    for _ in range(calls):
        response = await client.get(url, headers=headers)
        response.raise_for_status()
        value = json.loads(response.content)["result"]
    if value != 21.5:
        raise RuntimeError(f"unexpected value {value!r}")
    return (time.perf_counter() - start) / calls


def _mock_transport() -> Any:
    import httpx

    body = json.dumps(ANSWER).encode()

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(answer)


def overhead(
    base_url: str,
    token: str,
    device_id: str,
    mock: bool,
    calls: int,
    inner: int,
    sdk_first: bool = True,
) -> dict[str, list[float]]:
    """In a child: seconds per call of each pair (see `SPLIT`), SDK and raw."""
    import anyio
    import httpx

    from particle_async import Particle

    async def main() -> dict[str, list[float]]:
        transport = _mock_transport() if mock else None
        url = f"{base_url}/v1/devices/{device_id}/temperature"
        sdk_times: list[float] = []
        raw_times: list[float] = []
        async with (
            httpx.AsyncClient(transport=transport) as raw,
            httpx.AsyncClient(transport=transport) as borrowed,
            Particle(token=token, base_url=base_url, rate_limiter=None, http_client=borrowed) as sdk,
        ):  # fmt: skip
            await _time_sdk(sdk, device_id, 20)  # warm-up: connection, imports
            await _time_raw(raw, url, token, 20)
            each = max(1, calls // SPLIT)
            for i in range(inner * SPLIT):  # the order alternates (see the module's docstring)
                if (i % 2 == 0) != sdk_first:
                    raw_times.append(await _time_raw(raw, url, token, each))
                    sdk_times.append(await _time_sdk(sdk, device_id, each))
                else:
                    sdk_times.append(await _time_sdk(sdk, device_id, each))
                    raw_times.append(await _time_raw(raw, url, token, each))
        return {"sdk": sdk_times, "raw": raw_times}

    return anyio.run(main)


# -- the parent ---------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("request")
    group.add_argument("--calls", type=int, default=200, help="calls per sub-round (200)")
    group.add_argument("--inner", type=int, default=3, help="sub-rounds per child (3)")


TARGETS = {"mock": 1.25, "fake": 1.05}
LABELS = {
    "mock": "httpx.MockTransport (client-side cost)",
    "fake": "fake cloud (uvicorn, loopback)",
}


def run(ctx: Context) -> None:
    calls = 50 if ctx.quick else ctx.options.calls
    inner = 2 if ctx.quick else ctx.options.inner
    rounds = ctx.rounds(3)
    names = [side.name for side in ctx.sides]
    results: dict[tuple[str, str], dict[str, list[float]]] = {
        (side, target): {"sdk": [], "raw": []} for side in names for target in TARGETS
    }
    with FakeCloudProcess(rate_limit=None) as fake:
        targets = {
            "mock": dict(base_url=MOCK_URL, token=MOCK_TOKEN, device_id=MOCK_DEVICE, mock=True,
                         calls=calls * MOCK_FACTOR),
            "fake": dict(base_url=fake.base_url, token=fake.token, device_id=fake.devices["alpha"],
                         mock=False, calls=calls),
        }  # fmt: skip
        for r in range(rounds):
            for side in ctx.sides if r % 2 == 0 else ctx.sides[::-1]:
                for target, kwargs in targets.items():
                    got = run_child(
                        side, "request", "overhead", inner=inner, sdk_first=r % 2 == 0, **kwargs
                    )
                    for key in ("sdk", "raw"):
                        results[side.name, target][key] += got[key]
    table = Table(
        f"5. get_variable vs raw httpx GET + json.loads, sequential, no limiter "
        f"({rounds} rounds x {inner} sub-rounds x {SPLIT} pairs; ratio: median of same-pair ratios)",
        ["against", *(f"SDK us {s}" for s in names), *(f"raw us {s}" for s in names),
         *(f"SDK adds us {s}" for s in names), *(f"ratio {s}" for s in names)],
        [38],
    )  # fmt: skip
    for target in TARGETS:
        cells: dict[str, list[str]] = {"sdk": [], "raw": [], "adds": [], "ratio": []}
        ratios = {}
        for side in names:
            sdk, raw = results[side, target]["sdk"], results[side, target]["raw"]
            each = same_round(sdk, raw)
            ratios[side] = median(each)
            cells["sdk"].append(f"{median(sdk) * 1e6:.0f}")
            cells["raw"].append(f"{median(raw) * 1e6:.0f}")
            cells["adds"].append(f"{median([a - b for a, b in zip(sdk, raw, strict=True)]) * 1e6:+.0f}")  # fmt: skip
            cells["ratio"].append(f"{ratios[side]:.2f}x ({spread(each)})")
        table.row(LABELS[target], *cells["sdk"], *cells["raw"], *cells["adds"], *cells["ratio"])
        ctx.add(
            f"get_variable vs raw httpx, {LABELS[target].split(' (')[0]}",
            {side: f"{ratios[side]:.2f}x" for side in names},
            f"<= {TARGETS[target]}x",
            ratios[names[-1]] <= TARGETS[target],
        )
