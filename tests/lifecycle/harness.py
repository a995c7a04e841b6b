"""What the lifecycle matrix measures with: a clock that says when a back-off starts,
the set of live tasks, and a probe a running thing reports its progress to.

Nothing here waits by sleeping: "ready" is a set of named marks the running thing (or the
loopback server) sets as it reaches the state to stop it in, and every wait is bounded.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

import anyio

from particle_async._clock import SystemClock

READY_WITHIN = 5.0
"""Bound for reaching the state to stop in (setup: not what the matrix promises)."""
PROMPT = 1.0
"""The promise: a stopped thing has ended, and its sockets are released, within this."""
LONG_SLEEP = 1.0
"""A clock sleep at least this long is a back-off or a limiter wait, not a tick."""


class Closable(Protocol):
    async def aclose(self) -> None: ...


class Probe:
    """One cell's notebook: the marks still missing before it is ready, the object to
    `aclose()`, what escaped the running code, and the helper tasks that must end too."""

    def __init__(self, needs: Iterable[str]) -> None:
        self.missing = set(needs)
        self.ready = anyio.Event()
        self.released = anyio.Event()  # set once the stop was issued: "slow" work finishes
        self.gate = anyio.Event()  # scripts hold their events until the consumers exist
        self.done = anyio.Event()
        self.target: Closable | None = None
        self.escaped: BaseException | None = None
        self.finals: list[Any] = []  # objects whose `.state` must end CLOSED
        self.helpers: list[Helper] = []
        self.spawn: Callable[[Callable[[], Awaitable[None]]], None] | None = None
        self.facts: dict[str, Any] = {}
        if not self.missing:
            self.ready.set()

    def mark(self, what: str) -> None:
        self.missing.discard(what)
        if not self.missing:
            self.ready.set()

    def helper(self, name: str, body: Callable[[Helper], Awaitable[None]]) -> Helper:
        """Run `body` in a task beside the running thing; it must end once that stops."""
        helper = Helper(name)
        self.helpers.append(helper)

        async def run() -> None:
            try:
                await body(helper)
            except BaseException as exc:
                helper.error = exc
                raise
            finally:
                helper.ended.set()

        assert self.spawn is not None
        self.spawn(run)
        return helper

    async def wait_ready(self) -> None:
        with anyio.move_on_after(READY_WITHIN):
            await self.ready.wait()
        assert self.ready.is_set(), f"never reached the state to stop in: missing {self.missing}"


class Helper:
    """A consumer task's record: how many events it read and how it ended."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.got = 0
        self.error: BaseException | None = None
        self.ended = anyio.Event()


class SignalClock(SystemClock):
    """The real clock, which marks the probe "sleeping" when a long sleep begins: that is
    how a test knows a call is in its retry back-off or a limiter wait."""

    def __init__(self) -> None:
        self.probe: Probe | None = None
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds >= LONG_SLEEP and self.probe is not None:
            self.probe.mark("sleeping")
        await super().sleep(seconds)


def live_tasks() -> set[object]:
    """Every task of the running asyncio loop or trio run, but the loopback server's
    accept loops (started lazily, and alive until the server stops). The server's
    per-connection tasks are kept: one still alive is a connection still open."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # not asyncio: trio
        import trio

        tasks: set[object] = set(_trio_tree(trio.lowlevel.current_root_task()))
    else:
        tasks = set(asyncio.all_tasks())
    return {task for task in tasks if not _task_name(task).endswith("Listener.serve")}


def _task_name(task: object) -> str:
    name = getattr(task, "name", None)
    return str(name) if name is not None else str(task.get_name())  # type: ignore[attr-defined]


def _trio_tree(task: Any) -> Iterable[object]:
    yield task
    for nursery in task.child_nurseries:
        for child in nursery.child_tasks:
            yield from _trio_tree(child)


async def settled_tasks(before: set[object]) -> set[object]:
    """The tasks started since `before` that are still alive after letting finished
    ones be reaped (a bounded number of scheduler passes, no sleeping)."""
    extra: set[object] = set()
    for _ in range(50):
        extra = live_tasks() - before
        if not extra:
            break
        await anyio.lowlevel.checkpoint()
    return extra


def describe(tasks: Iterable[object]) -> list[str]:
    """Where each task is waiting: what a "task left behind" failure needs to show."""
    out = []
    for task in tasks:
        frames = getattr(task, "iter_await_frames", None)
        if frames is not None:  # trio
            where = [f"{f.f_code.co_name}:{line}" for f, line in frames()]
        else:
            where = [f"{f.f_code.co_name}:{f.f_lineno}" for f in task.get_stack()]  # type: ignore[attr-defined]
        coro = getattr(task, "coro", None)
        state = f"frame={getattr(coro, 'cr_frame', None)} await={getattr(coro, 'cr_await', None)}"
        out.append(f"{task!r} at {' > '.join(where)} {state}")
    return out


def collected_warnings() -> list[warnings.WarningMessage]:
    """Collect garbage now, so an unclosed socket warns inside this test, and return
    every warning that raised (ResourceWarning from a finaliser above all)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        gc.collect()
    return list(seen)
