"""Replaying recorded traffic into the fake: the JSON-lines files `particle-async record`
writes, published through the same path as live events (`CloudState.publish`, so every
open stream whose scope and prefix match receives them, byte-framed as always).

One line per event, an object with `name`, `data`, `ttl`, `published_at`, `device_id`,
`envelope` (the stream's `data:` JSON as received, or null when it was not JSON) and
`received_at` (when the recorder got it). Only `name` is required; `envelope` fills in
what the flat fields lack (`productID`, `version`, `public`). A line that is not such an
object is skipped, logged with its line number, and listed in `Replay.skipped`.

Spacing: each event goes out at its original offset from the first, by `received_at`
(else `published_at`), divided by `speed`; `speed=0` sends them as fast as the fake can.
Timestamps are kept: a replayed event carries its recorded `published_at`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio.lowlevel
import anyio.to_thread

from ._state import FakeEvent, utcnow

logger = logging.getLogger("particle_async.testing")

YIELD_EVERY = 64  # at speed 0, let the loop serve the streams this often


@dataclass(frozen=True)
class Skipped:
    """A line of the file that was not replayed, and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class Recorded:
    """One event of the file, ready to publish `offset` seconds after the first."""

    line: int
    offset: float
    event: FakeEvent


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _int(value: Any, default: int | None) -> int | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def _event(record: dict[str, Any], owner: str | None) -> FakeEvent:
    """The event a record describes; raises ValueError for one that is not an event."""
    name = record.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("no event name")
    envelope = record.get("envelope")
    envelope = envelope if isinstance(envelope, dict) else {}
    data = record.get("data", envelope.get("data"))
    published = _time(record.get("published_at")) or _time(envelope.get("published_at"))
    public = envelope.get("public")
    return FakeEvent(
        name=name,
        data="" if data is None else data if isinstance(data, str) else json.dumps(data),
        ttl=_int(record.get("ttl", envelope.get("ttl")), 60) or 0,
        private=not (public is True or public == "true"),
        coreid=str(record.get("device_id") or envelope.get("coreid") or "api"),
        owner=owner,
        product_id=_int(envelope.get("productID", record.get("product_id")), None),
        version=_int(envelope.get("version", record.get("version")), None),
        published_at=published or utcnow(),
    )


def read_recording(lines: Iterable[str], owner: str | None) -> tuple[list[Recorded], list[Skipped]]:
    """The events of a recording and the lines skipped, each logged as a warning."""
    parsed: list[tuple[int, datetime | None, FakeEvent]] = []
    skipped: list[Skipped] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            event = _event(record, owner)
        except ValueError as exc:
            reason = str(exc) if not isinstance(exc, json.JSONDecodeError) else "not JSON"
            skipped.append(Skipped(number, reason))
            logger.warning("replay: line %d skipped: %s", number, reason)
            continue
        stamp = _time(record.get("received_at")) or event.published_at
        parsed.append((number, stamp, event))
    first = next((stamp for _, stamp, _ in parsed if stamp is not None), None)
    events = [
        Recorded(n, max(0.0, (stamp - first).total_seconds()) if stamp and first else 0.0, e)
        for n, stamp, e in parsed
    ]
    return events, skipped


class Replay:
    """A recording being published into the fake; made by `FakeCloud.replay`.

    `skipped` (the malformed lines) is known at once; `published` counts up as the
    events go out; `wait()` / `wait_sync()` return when the last one has. `stop()` or
    `aclose()` ends it early (so does the fake stopping, or the task in `wait()` being
    cancelled): once either returns, nothing more is published."""

    def __init__(
        self,
        path: Path,
        events: list[Recorded],
        skipped: list[Skipped],
        speed: float,
        publish: Callable[[FakeEvent], None],
    ) -> None:
        self.path = path
        self.events = events
        self.skipped = skipped
        self.speed = speed
        self.published = 0
        self._publish = publish
        self._future: concurrent.futures.Future[None] | None = None
        self._stopped = False
        self._lock = threading.Lock()  # a publish is all done or not begun when stop() returns

    @property
    def total(self) -> int:
        return len(self.events)

    def start(self, loop: asyncio.AbstractEventLoop) -> Replay:
        self._future = asyncio.run_coroutine_threadsafe(self._run(), loop)
        return self

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i, recorded in enumerate(self.events):
            if self.speed > 0:
                due = start + recorded.offset / self.speed
                await asyncio.sleep(max(0.0, due - loop.time()))
            elif i % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            with self._lock:
                if self._stopped:
                    return
                self._publish(recorded.event)
                self.published += 1

    @property
    def done(self) -> bool:
        return self._future is not None and self._future.done()

    def stop(self) -> None:
        """Thread-safe and idempotent; what was not yet published is not, ever: the task
        on the fake's loop may take a moment to end, but it publishes nothing more."""
        with self._lock:
            self._stopped = True
        if self._future is not None:
            with contextlib.suppress(RuntimeError):
                self._future.cancel()

    async def aclose(self) -> None:
        """`stop()` from asyncio or trio, for `contextlib.aclosing` and the like: it
        never blocks the event loop for long (the lock is held only across one publish)."""
        self.stop()
        await anyio.lowlevel.checkpoint()

    def wait_sync(self, timeout: float | None = None) -> None:
        """Block until every event is published; TimeoutError after `timeout`."""
        assert self._future is not None
        try:
            self._future.result(timeout)
        except concurrent.futures.TimeoutError:
            raise TimeoutError(
                f"replay of {self.path} published {self.published}/{self.total}"
            ) from None
        except concurrent.futures.CancelledError:
            return

    async def wait(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """`wait_sync` from asyncio or trio, in a worker thread. The waiter owns the
        replay: if it is cancelled (its task, a cancel scope, `move_on_after`), the replay
        is stopped, so the worker thread ends at once instead of blocking until the last
        event (a `timeout` passing, by contrast, leaves the replay running)."""
        try:
            await anyio.to_thread.run_sync(self.wait_sync, timeout, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            self.stop()
            raise


def open_replay(
    path: str | Path, speed: float, owner: str | None
) -> tuple[Path, list[Recorded], list[Skipped]]:
    """Read the recording now, so a missing file or bad speed fails the call itself."""
    if speed < 0:
        raise ValueError("speed must be >= 0 (0: as fast as possible)")
    source = Path(path)
    with source.open(encoding="utf-8", errors="replace") as handle:
        events, skipped = read_recording(handle, owner)
    return source, events, skipped
