"""The matrix's replay and record rows (issue 18), on asyncio and trio, against a FakeCloud.

- a replay in progress (`FakeCloud.replay(path, speed=1.0)` on a recording with gaps),
  owned by the task that waits on it while a subscriber reads what it publishes: stopped
  by cancelling that task, a cancel scope, `move_on_after`, `asyncio.wait_for`, the
  replay's `aclose()` / `stop()` from another task, and the fake stopping (`stop()`, or
  leaving `async with FakeCloud()`). Promised: the waiter ends promptly, with only the
  cancellation (a stop from elsewhere simply ends the wait), the replay is done and
  publishes nothing more, the subscriber's stream is closed at the fake;
- a record in progress (`record_events` fed by a live stream, writing a file): stopped by
  cancelling its task, a cancel scope, `move_on_after`, `asyncio.wait_for`, its stream's
  `aclose()` from another task, `cloud.aclose()` and leaving `async with Particle(...)`.
  Promised: prompt, only the cancellation (a close simply ends the recording), the
  stream closed at the fake, and a file of complete JSON lines holding every event read.

Both: no task left behind, no warning. Readiness is marked by events read, never by time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import pytest

from particle_async import Event, Particle
from particle_async.cli._record import record_events
from particle_async.streaming import EventStream
from particle_async.testing import FakeCloud
from particle_async.testing._replay import Replay

from .harness import PROMPT, Probe, collected_warnings, describe, live_tasks, settled_tasks
from .scenarios import Running, final_state_ok
from .test_matrix import STOPS, Ctx, Stop, _check_escaped, _on_asyncio

pytestmark = pytest.mark.anyio

GAP = 0.1  # seconds between recorded events: the replay is always mid-gap when stopped
RECORDED = 40  # 4 s of traffic at speed 1.0: far longer than any cell
INTERVAL = 0.02  # the live source the recorder reads


def _recording(path: Path) -> Path:
    lines = [
        {"name": f"tick/{i}", "data": str(i), "received_at": f"2024-05-01T12:00:{i * GAP:06.3f}Z"}
        for i in range(RECORDED)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


class Counting:
    """The stream as `record_events` sees it, keeping every event it hands over: what
    the recorder received, which the file must hold. (A class, not an async generator,
    so there is no generator to finalise.)"""

    def __init__(self, stream: EventStream, probe: Probe, ready_after: int) -> None:
        self.stream = stream
        self.probe = probe
        self.ready_after = ready_after
        self.seen: list[Event] = []

    def __aiter__(self) -> Counting:
        return self

    async def __anext__(self) -> Event:
        event = await self.stream.__anext__()
        self.seen.append(event)
        if len(self.seen) == self.ready_after:
            self.probe.mark("read")
        return event


# -- what runs -----------------------------------------------------------------------------


async def replaying(cloud: Particle, probe: Probe) -> None:
    """Subscribes, starts the replay and waits on it, a reader beside it; when the wait
    returns (the replay was stopped from elsewhere) it stops reading and leaves."""
    fake: FakeCloud = probe.facts["fake"]
    async with cloud.events.subscribe("tick") as stream:
        probe.finals.append(stream)
        await fake.wait_for_streams(1)
        replay = fake.replay(probe.facts["path"], speed=1.0)
        probe.target = replay
        probe.facts["replay"] = replay
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_read, stream, probe)
                await replay.wait()
                tg.cancel_scope.cancel()
        finally:  # as the waiter ends (before the test stops the fake, which would stop it)
            probe.facts["published_at_end"] = replay.published
            probe.facts["done_at_end"] = replay.done


async def _read(stream: EventStream, probe: Probe) -> None:
    received: list[Event] = probe.facts.setdefault("received", [])
    async for event in stream:
        received.append(event)
        if len(received) == 2:  # the replay is under way, the third event 0.1 s off
            probe.mark("read")


async def recording(cloud: Particle, probe: Probe) -> None:
    """`record_events` on a live subscription, into a file, until it is stopped."""
    async with cloud.events.subscribe("temp") as stream:
        probe.target = stream
        probe.finals.append(stream)
        counting = Counting(stream, probe, ready_after=3)
        probe.facts["counting"] = counting
        with probe.facts["path"].open("w", encoding="utf-8") as sink:
            probe.facts["written"] = await record_events(counting, sink)


REPLAY = Running("replay", lambda probe: (), replaying, frozenset({"read"}))
RECORD = Running("record", lambda probe: (), recording, frozenset({"read"}))


# -- stops only a replay has ---------------------------------------------------------------


async def replay_stop(ctx: Ctx) -> float:
    """The replay's thread-safe `stop()`, from another task."""
    ctx.tg.start_soon(ctx.worker)
    await ctx.probe.wait_ready()
    started = anyio.current_time()
    replay: Replay = ctx.probe.facts["replay"]
    replay.stop()
    return started


async def fake_stop(ctx: Ctx) -> float:
    """`FakeCloud.stop()` (blocking: in a worker thread) while the replay runs."""
    ctx.tg.start_soon(ctx.worker)
    await ctx.probe.wait_ready()
    started = anyio.current_time()
    await anyio.to_thread.run_sync(ctx.probe.facts["fake"].stop)
    return started


async def leave_fake(ctx: Ctx) -> float:
    """The task holding `async with FakeCloud()` leaves it while the replay runs."""
    ctx.tg.start_soon(ctx.worker)
    await ctx.probe.wait_ready()
    started = anyio.current_time()
    ctx.probe.facts["leave"].set()
    return started


_BY_NAME = {stop.name: stop for stop in STOPS}
REPLAY_STOPS = [
    *(_BY_NAME[n] for n in ("cancel-task", "cancel-scope", "move-on-after", "wait-for")),
    _BY_NAME["aclose"],  # the replay's aclose(): `probe.target` is the Replay
    Stop("replay-stop", replay_stop, cancels=False),
    Stop("fake-stop", fake_stop, cancels=False),
    Stop("leave-fake", leave_fake, cancels=False),
]
RECORD_STOPS = [
    _BY_NAME[n]
    for n in (
        "cancel-task",
        "cancel-scope",
        "move-on-after",
        "wait-for",
        "aclose",  # the stream's aclose()
        "client-aclose",
        "leave-client",
        "cancel-client-owner",
    )
]


# -- running a cell ------------------------------------------------------------------------


async def _own_fake(
    fake: FakeCloud, leave: anyio.Event, *, task_status: anyio.abc.TaskStatus[None]
) -> None:
    async with fake:
        task_status.started()
        await leave.wait()


async def _run_cell(
    row: Running,
    stop: Stop,
    probe: Probe,
    prepare: Callable[[FakeCloud], Any],
) -> tuple[float, bool, bool, list[str], Ctx]:
    """Runs one cell; returns (elapsed, done, streams released, tasks left, ctx)."""
    if stop.asyncio_only and not _on_asyncio():
        pytest.skip("asyncio.wait_for exists only on asyncio")
    before = live_tasks()
    fake = FakeCloud(rate_limit=None, keepalive_interval=60)
    leave = anyio.Event()
    probe.facts.update(fake=fake, leave=leave)
    async with anyio.create_task_group() as tg:
        await tg.start(_own_fake, fake, leave)
        prepared = prepare(fake)
        cloud = Particle(token=fake.token, base_url=fake.base_url, rate_limiter=None)
        ctx = Ctx(row, probe, cloud)
        ctx.tg = tg
        probe.spawn = tg.start_soon
        started = await stop.perform(ctx)
        with anyio.CancelScope(deadline=started + PROMPT):
            await probe.done.wait()
        elapsed = anyio.current_time() - started
        done = probe.done.is_set()
        released = await _streams_closed(fake)
        if ctx.finish is not None:
            await ctx.finish()
        await cloud.aclose()
        leave.set()
        _stop_source(prepared)
    left = describe(await settled_tasks(before))
    return elapsed, done, released, left, ctx


async def _streams_closed(fake: FakeCloud) -> bool:
    try:
        await fake.wait_for_streams(0, timeout=PROMPT)
    except TimeoutError:
        return False
    return True


def _stop_source(prepared: Any) -> None:
    if prepared is not None:
        prepared.stop()


def _check_common(stop: Stop, row: Running, probe: Probe, outcome: tuple[Any, ...]) -> None:
    elapsed, done, released, left, ctx = outcome
    assert done, f"still running {PROMPT}s after the stop"
    assert elapsed < PROMPT, f"took {elapsed:.3f}s to end"
    _check_escaped(row, stop, probe.escaped)
    assert released, "the fake still sees an open stream"
    assert all(final_state_ok(obj) for obj in probe.finals), [o.state for o in probe.finals]
    assert ctx.facts.get("caught", True), "the stopping scope did not catch its cancellation"
    assert ctx.facts.get("task_cancelled", True), "the cancelled task did not end cancelled"
    assert not left, f"tasks left behind: {left}"


@pytest.mark.parametrize("stop", REPLAY_STOPS, ids=[s.name for s in REPLAY_STOPS])
async def test_stopping_a_replay_in_progress(stop: Stop, tmp_path: Path) -> None:
    probe = Probe(REPLAY.needs)
    probe.facts["path"] = _recording(tmp_path / "recorded.jsonl")
    outcome = await _run_cell(REPLAY, stop, probe, lambda fake: None)
    warned = collected_warnings()

    _check_common(stop, REPLAY, probe, outcome)
    replay: Replay = probe.facts["replay"]
    assert probe.facts["done_at_end"], "the waiter ended, the replay still publishing"
    assert 2 <= replay.published < replay.total  # it was stopped in the middle
    # The fake has stopped (its thread joined) since the waiter ended: nothing since.
    assert replay.published == probe.facts["published_at_end"], "published after its stop"
    received = [event.name for event in probe.facts["received"]]
    assert received == [f"tick/{i}" for i in range(len(received))]
    assert len(received) <= replay.published
    assert not warned, [str(w.message) for w in warned]


@pytest.mark.parametrize("stop", RECORD_STOPS, ids=[s.name for s in RECORD_STOPS])
async def test_stopping_a_record_in_progress(stop: Stop, tmp_path: Path) -> None:
    probe = Probe(RECORD.needs)
    path = probe.facts["path"] = tmp_path / "recording.jsonl"

    def publishing(fake: FakeCloud) -> Any:
        device = fake.add_device("sensor")
        return fake.simulate(device, "temp/x", lambda i: str(i), interval=INTERVAL)

    outcome = await _run_cell(RECORD, stop, probe, publishing)
    warned = collected_warnings()

    _check_common(stop, RECORD, probe, outcome)
    seen: list[Event] = probe.facts["counting"].seen
    _check_file(path, seen)
    if not stop.cancels:  # a close ends the recording: record_events returned its count
        assert probe.facts["written"] == len(seen)
    assert not warned, [str(w.message) for w in warned]


def _check_file(path: Path, seen: list[Event]) -> None:
    """Only whole lines, each one JSON event, exactly the events the recorder received."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), f"the last line is cut: {text[-80:]!r}"
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(seen) >= 3
    assert [(line["name"], line["data"]) for line in lines] == [(e.name, e.data) for e in seen]
