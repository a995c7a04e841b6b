"""Every way to stop × everything that can be running, on asyncio and trio (issue 18).

A cell starts one running thing (`scenarios.ROWS`) against a loopback server that
records each connection opened and closed, waits (on marks, not time) until it is in
the state to stop, stops it one way (`STOPS`), and checks the one promise:

- it ends within `PROMPT` seconds of the stop (helper consumers of a hub included);
- the only exception it sees is the cancellation itself, or, when it was closed rather
  than cancelled, the `ParticleError` its row names (None: it simply ends);
- every connection the server saw is closed (before the client is, for cancellations);
- no task is left behind and no warning is emitted (garbage collected in the test).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest

from particle_async import Particle

from ..helpers import TOKEN
from ..streaming.sse_server import ScriptedServer, scripted_server
from .harness import (
    PROMPT,
    Probe,
    SignalClock,
    collected_warnings,
    describe,
    live_tasks,
    settled_tasks,
)
from .scenarios import FULL_QUEUE, HUB_EVENTS, ROWS, Running, final_state_ok

pytestmark = pytest.mark.anyio

WAIT_FOR_TIMEOUT = 1.0  # asyncio.wait_for cannot be told "now": its timeout must outlast setup


@dataclass
class Ctx:
    running: Running
    probe: Probe
    cloud: Particle
    tg: Any = None
    finish: Callable[[], Awaitable[None]] | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    async def worker(self) -> None:
        """The running code, with what escaped it noted; a ParticleError is the
        expected end of a closed call, so it is kept, not raised into the harness."""
        probe = self.probe
        try:
            await self.running.run(self.cloud, probe)
        except Exception as exc:
            probe.escaped = exc
        except BaseException as exc:
            probe.escaped = exc
            raise
        finally:
            probe.done.set()


# -- the ways to stop: each returns the moment the stop was issued ------------------------


async def cancel_task(ctx: Ctx) -> float:
    """asyncio: `task.cancel()` on a plain task. trio has no task handles: cancelling a
    task is cancelling the nursery it runs in, which is what this does there."""
    if _on_asyncio():
        task = asyncio.get_running_loop().create_task(ctx.worker())
        await ctx.probe.wait_ready()
        started = anyio.current_time()
        task.cancel()

        async def finish() -> None:
            await asyncio.wait({task}, timeout=PROMPT)
            ctx.facts["task_cancelled"] = task.cancelled()

        ctx.finish = finish
        return started

    async def host(*, task_status: anyio.abc.TaskStatus[anyio.CancelScope]) -> None:
        async with anyio.create_task_group() as own:
            own.start_soon(ctx.worker)
            task_status.started(own.cancel_scope)

    scope = await ctx.tg.start(host)
    await ctx.probe.wait_ready()
    started = anyio.current_time()
    scope.cancel()
    return started


async def cancel_scope(ctx: Ctx) -> float:
    """A cancel scope around the running code, cancelled from another task."""
    scopes: list[anyio.CancelScope] = []

    async def scoped() -> None:
        with anyio.CancelScope() as scope:
            scopes.append(scope)
            await ctx.worker()
        ctx.facts["caught"] = scope.cancelled_caught

    ctx.tg.start_soon(scoped)
    await ctx.probe.wait_ready()
    started = anyio.current_time()
    scopes[0].cancel()
    return started


async def move_on_after(ctx: Ctx) -> float:
    """`move_on_after`'s deadline passing: moved to now once the thing is running, so
    the timer path is exercised without guessing how long setup takes."""
    scopes: list[anyio.CancelScope] = []

    async def timed() -> None:
        with anyio.move_on_after(3600) as scope:
            scopes.append(scope)
            await ctx.worker()
        ctx.facts["caught"] = scope.cancelled_caught

    ctx.tg.start_soon(timed)
    await ctx.probe.wait_ready()
    started = anyio.current_time()
    scopes[0].deadline = started
    return started


async def wait_for(ctx: Ctx) -> float:
    """`asyncio.wait_for` with a timeout that outlasts setup; the stop is its expiry."""

    async def waited() -> None:
        try:
            await asyncio.wait_for(ctx.worker(), WAIT_FOR_TIMEOUT)
        except TimeoutError:
            ctx.facts["caught"] = True

    began = anyio.current_time()
    ctx.tg.start_soon(waited)
    await ctx.probe.wait_ready()
    assert anyio.current_time() < began + WAIT_FOR_TIMEOUT, "setup outlasted the timeout"
    return began + WAIT_FOR_TIMEOUT


async def aclose_object(ctx: Ctx) -> float:
    """`aclose()` on the stream or hub, from another task."""
    ctx.tg.start_soon(ctx.worker)
    await ctx.probe.wait_ready()
    started = anyio.current_time()
    assert ctx.probe.target is not None
    await ctx.probe.target.aclose()
    return started


async def aclose_client(ctx: Ctx) -> float:
    """`cloud.aclose()` from another task while the thing runs."""
    ctx.tg.start_soon(ctx.worker)
    await ctx.probe.wait_ready()
    started = anyio.current_time()
    await ctx.cloud.aclose()
    return started


async def leave_client(ctx: Ctx) -> float:
    """Leaving `async with Particle(...)` while the thing runs in another task."""
    async with ctx.cloud:
        ctx.tg.start_soon(ctx.worker)
        await ctx.probe.wait_ready()
        started = anyio.current_time()
    return started


async def cancel_client_owner(ctx: Ctx) -> float:
    """The task inside `async with Particle(...)` is cancelled (Ctrl-C, an app shutting
    down) while the thing runs in another task: leaving under cancellation still closes."""

    async def owner(*, task_status: anyio.abc.TaskStatus[anyio.CancelScope]) -> None:
        with anyio.CancelScope() as scope:
            async with ctx.cloud:
                task_status.started(scope)
                await anyio.sleep_forever()

    scope = await ctx.tg.start(owner)
    ctx.tg.start_soon(ctx.worker)
    await ctx.probe.wait_ready()
    started = anyio.current_time()
    scope.cancel()
    return started


@dataclass(frozen=True)
class Stop:
    name: str
    perform: Callable[[Ctx], Awaitable[float]]
    cancels: bool  # the running code sees the cancellation (else: a close)
    asyncio_only: bool = False
    needs_object: bool = False


STOPS = [
    Stop("cancel-task", cancel_task, cancels=True),
    Stop("cancel-scope", cancel_scope, cancels=True),
    Stop("move-on-after", move_on_after, cancels=True),
    Stop("wait-for", wait_for, cancels=True, asyncio_only=True),
    Stop("aclose", aclose_object, cancels=False, needs_object=True),
    Stop("client-aclose", aclose_client, cancels=False),
    Stop("leave-client", leave_client, cancels=False),
    Stop("cancel-client-owner", cancel_client_owner, cancels=False),
]

CELLS = [
    pytest.param(row, stop, id=f"{row.name}/{stop.name}")
    for row in ROWS
    for stop in STOPS
    if row.aclose or not stop.needs_object
]


def _on_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _all_closed(server: ScriptedServer) -> bool:
    """Whether the server sees every connection closed within `PROMPT` (event-driven)."""
    with anyio.move_on_after(PROMPT):
        while server.closed_connections < len(server.connections):
            await server._changed.wait()
    return server.closed_connections == len(server.connections)


@pytest.mark.parametrize(("row", "stop"), CELLS)
async def test_stopping_ends_promptly_and_cleanly(row: Running, stop: Stop) -> None:
    if stop.asyncio_only and not _on_asyncio():
        pytest.skip("asyncio.wait_for exists only on asyncio")
    probe = Probe(row.needs)
    clock = SignalClock()
    clock.probe = probe
    async with scripted_server(*row.scripts(probe)) as server:
        before = live_tasks()
        cloud = Particle(
            token=TOKEN,
            base_url=server.url,
            rate_limiter=row.limiter(clock),
            retry=row.retry,
            clock=clock,
        )
        ctx = Ctx(row, probe, cloud)
        async with anyio.create_task_group() as tg:
            ctx.tg = tg
            probe.spawn = tg.start_soon
            started = await stop.perform(ctx)
            probe.released.set()
            with anyio.CancelScope(deadline=started + PROMPT):
                await probe.done.wait()
                for helper in probe.helpers:
                    await helper.ended.wait()
            elapsed = anyio.current_time() - started
            done = probe.done.is_set()
            sockets_released = await _all_closed(server)
            if ctx.finish is not None:
                await ctx.finish()
            tg.cancel_scope.cancel()  # ends whatever a failing cell left running
        await cloud.aclose()
        left = describe(await settled_tasks(before))
    warned = collected_warnings()

    assert done, f"still running {PROMPT}s after the stop"
    assert elapsed < PROMPT, f"took {elapsed:.3f}s to end"
    _check_escaped(row, stop, probe.escaped)
    _check_helpers(row, probe)
    assert sockets_released, (
        f"server saw {server.closed_connections} of {len(server.connections)} connections closed"
    )
    assert all(final_state_ok(obj) for obj in probe.finals), [o.state for o in probe.finals]
    assert ctx.facts.get("caught", True), "the stopping scope did not catch its cancellation"
    assert ctx.facts.get("task_cancelled", True), "the cancelled task did not end cancelled"
    assert not left, f"tasks left behind: {left}"
    assert not warned, [str(w.message) for w in warned]


def _check_escaped(row: Running, stop: Stop, escaped: BaseException | None) -> None:
    if stop.cancels:
        cancelled = anyio.get_cancelled_exc_class()
        assert isinstance(escaped, cancelled), f"expected the cancellation, got {escaped!r}"
        return
    expected = row.on_aclose if stop.needs_object else row.on_client_close
    if expected is None:
        assert escaped is None, f"expected a clean end, got {escaped!r}"
    else:
        assert isinstance(escaped, expected), f"expected {expected.__name__}, got {escaped!r}"
        assert "closed" in str(escaped), str(escaped)


def _check_helpers(row: Running, probe: Probe) -> None:
    """A hub's other consumers end too, with no error, after their queued events."""
    for helper in probe.helpers:
        assert helper.ended.is_set(), f"consumer {helper.name!r} still running"
        assert helper.error is None, f"consumer {helper.name!r} raised {helper.error!r}"
    expected = 1 if "backoff" in row.name else HUB_EVENTS
    by_name = {helper.name: helper.got for helper in probe.helpers}
    if by_name:
        assert by_name == {"slow": expected, "full": min(expected, FULL_QUEUE)}
