"""4. Reconnect: from a server-side drop to the next delivered event.

Against the fake cloud (in a child process, see `_fake.py`): device "ticker" publishes
`tick` every 2 ms with its `time.monotonic_ns()` as data; one
`cloud.events.subscribe("tick")` stream reads them. Each round waits until the stream
has been healthy for a while, has the fake cut every stream server-side
(`cloud.faults.drop_streams()`, mid-body, as a broken network does), and measures from
the cut to:

- "reconnected": the stream's `on_status` reporting CONNECTED again;
- "next event": the first event published after the cut reaching the consumer (events
  published while no stream is open are lost, as on the real cloud, so this includes up
  to one publish interval).

Backoff policy: `BackoffPolicy(initial=0.02, cap=0.5, healthy_after=0.1)`: the first
retry after a healthy connection waits a jittered 10-20 ms (attempt 1 waits between
initial/2 and initial). The default policy (initial=0.25) would wait 125-250 ms.

One child process per side; each starts its own fake cloud (this tree's).
"""

from __future__ import annotations

import time
from typing import Any

import anyio

from particle_async.streaming import BackoffPolicy, StreamState, StreamStatus

from ._common import Table, median, percentile, sdk_client
from ._fake import TICK_INTERVAL, FakeCloudProcess
from ._harness import Context, run_child

POLICY = BackoffPolicy(initial=0.02, cap=0.5, healthy_after=0.1)
HEALTHY_WAIT = 0.15  # > healthy_after, so every drop starts the schedule from attempt 1


class Probe:
    """Everything the stream reports, timestamped, so a drop can be matched afterwards:
    the answer to "drop" (its instant) may arrive before or after the reconnect."""

    def __init__(self) -> None:
        self.connected: list[int] = []  # when on_status said CONNECTED
        self.delays: list[tuple[int, float]] = []  # (when, backoff delay) of each retry wait
        self.events: list[tuple[int, int]] = []  # (published at, received at)
        self.changed = anyio.Event()

    def on_status(self, status: StreamStatus) -> None:
        if status.state is StreamState.CONNECTED:
            self.connected.append(time.monotonic_ns())
        elif status.state is StreamState.RECONNECTING and status.delay is not None:
            self.delays.append((time.monotonic_ns(), status.delay))

    def on_event(self, published_at: int) -> None:
        self.events.append((published_at, time.monotonic_ns()))
        self.changed.set()

    async def first_event_after(self, moment: int) -> int:
        """When the first event published after `moment` was received."""
        while True:
            later = [received for published, received in self.events if published > moment]
            if later:
                return later[0]
            self.changed = anyio.Event()
            await self.changed.wait()


async def measure(
    fake: FakeCloudProcess, drops: int
) -> tuple[list[float], list[float], list[float], int]:
    probe = Probe()
    reconnects: list[float] = []
    next_events: list[float] = []
    overheads: list[float] = []
    async with sdk_client(fake.base_url, fake.token) as client:
        stream = client.events.subscribe(
            "tick", backoff=POLICY, idle_timeout=5.0, on_status=probe.on_status
        )

        async def consume() -> None:
            async for event in stream:
                probe.on_event(int(event.data or 0))

        async with stream, anyio.create_task_group() as tg:
            tg.start_soon(consume)
            for _ in range(drops):
                await anyio.sleep(HEALTHY_WAIT)
                drop_at = int(await anyio.to_thread.run_sync(fake.command, "drop"))
                with anyio.fail_after(10):
                    next_event_at = await probe.first_event_after(drop_at)
                reconnected_at = min(t for t in probe.connected if t > drop_at)
                reconnects.append((reconnected_at - drop_at) / 1e6)
                waited = sum(d for t, d in probe.delays if drop_at < t < reconnected_at)
                overheads.append(reconnects[-1] - waited * 1000)
                next_events.append((next_event_at - drop_at) / 1e6)
            await stream.aclose()
        assert stream.stats.reconnects == drops, stream.stats
    return reconnects, next_events, overheads, len(probe.events)


def measure_child(drops: int) -> dict[str, Any]:
    """In a child: a fake cloud with a ticker, `drops` drops."""
    with FakeCloudProcess(rate_limit=None, ticker=True) as fake:
        reconnects, next_events, overheads, events = anyio.run(measure, fake, drops)
    return {
        "reconnected": reconnects,
        "next event": next_events,
        "reconnected - backoff": overheads,
        "events": events,
    }


def run(ctx: Context) -> None:
    drops = 5 if ctx.quick else 20
    table = Table(
        f"4. reconnect after a server-side drop: {drops} drops, backoff {POLICY}",
        ["from drop to", "side", "median ms", "p90 ms", "min ms", "max ms"],
        [22, 6, 10, 8, 8, 8],
    )
    for side in ctx.sides:
        got = run_child(side, "reconnect", "measure_child", drops=drops)
        for label in ("reconnected", "next event", "reconnected - backoff"):
            values = got[label]
            table.row(
                label,
                side.name,
                f"{median(values):.1f}",
                f"{percentile(values, 90):.1f}",
                f"{min(values):.1f}",
                f"{max(values):.1f}",
            )
    print(
        f"   the device published every {TICK_INTERVAL * 1000:g} ms;"
        " 'reconnected - backoff' is the drop detection and new connection alone"
    )
