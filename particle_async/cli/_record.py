"""`particle-async record`: write a live stream to a JSON-lines file, for
`FakeCloud.replay` (or any tool that reads JSON lines).

One line per event, written whole and flushed as it arrives, so a recording stopped at
any moment (Ctrl-C, SIGTERM, a crash) holds only complete lines:

    {"name": ..., "data": ..., "ttl": 60, "published_at": "...Z", "device_id": ...,
     "product_id": null, "version": null, "envelope": {the stream's data: JSON},
     "malformed": false, "received_at": "...Z"}

`envelope` is the event's JSON exactly as the cloud sent it (null for a malformed
event, whose raw line is then in `data`); `received_at` is when the recorder got it.
The count of events so far is shown on stderr, updated in place.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import anyio
import click

from .. import Event, Particle, ParticleError
from ._common import Settings, settings

__all__ = ["commands", "record", "record_events", "record_line"]

INTERRUPTED = 130
TERMINATED = 143


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    utc = moment.astimezone(timezone.utc)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_line(event: Event, received_at: datetime) -> str:
    """The JSON line for one event (ASCII, no newline inside, none at the end)."""
    entry: dict[str, Any] = {
        "name": event.name,
        "data": event.data,
        "ttl": event.ttl,
        "published_at": _iso(event.published_at),
        "device_id": event.device_id,
        "product_id": event.product_id,
        "version": event.version,
        "envelope": None if event.malformed else dict(event.raw),
        "malformed": event.malformed,
        "received_at": _iso(received_at),
    }
    return json.dumps(entry, separators=(",", ":"))


async def record_events(
    events: AsyncIterator[Event],
    sink: IO[str],
    *,
    count: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Append each event of `events` to `sink` as one line, flushed at once, until
    `count` events (or the stream ends, or the caller is cancelled); returns how many
    were written. Works on asyncio and trio."""
    written = 0
    if count is not None and count <= 0:
        return written
    async for event in events:
        sink.write(record_line(event, datetime.now(timezone.utc)) + "\n")
        sink.flush()
        written += 1
        if progress is not None:
            progress(written)
        if count is not None and written >= count:
            break
    return written


def _show(written: int) -> None:
    """The live count: rewritten in place on stderr."""
    sys.stderr.write(f"\rrecorded {written} event{'s' if written != 1 else ''}")
    sys.stderr.flush()


async def _watch_signals(
    signals: AsyncIterator[int], scope: anyio.CancelScope, stopped: list[int]
) -> None:
    """Ctrl-C (or SIGTERM) ends the recording by cancellation: the file is closed by
    its `with`, after the last complete line."""
    async for signum in signals:
        stopped.append(signum)
        scope.cancel()
        return


async def _record(options: Settings, output: Path, append: bool, **scope: Any) -> int:
    count = scope.pop("count")
    prefix = scope.pop("prefix")
    stopped: list[int] = []
    written = 0

    def progress(n: int) -> None:
        nonlocal written
        written = n
        _show(n)

    failed: list[ParticleError] = []

    async def copy(sink: IO[str], done: anyio.CancelScope) -> None:
        try:
            async with (
                Particle(token=options.token, base_url=options.base_url) as cloud,
                cloud.events.subscribe(prefix, **scope) as stream,  # a 401 raises here
            ):
                _show(0)
                await record_events(stream, sink, count=count, progress=progress)
        except ParticleError as exc:  # kept out of the task group's ExceptionGroup
            failed.append(exc)
        finally:
            done.cancel()

    # The receiver is installed before anything connects, so a signal at any moment
    # ends the recording the same way (SIGTERM would otherwise kill it outright).
    with (
        output.open("a" if append else "w", encoding="utf-8") as sink,
        anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals,
    ):
        async with anyio.create_task_group() as tg:
            tg.start_soon(_watch_signals, signals, tg.cancel_scope, stopped)
            tg.start_soon(copy, sink, tg.cancel_scope)
    sys.stderr.write(f"\n{written} event{'s' if written != 1 else ''} recorded to {output}\n")
    if failed:
        raise failed[0]
    if not stopped:
        return 0
    if stopped[0] == signal.SIGTERM:  # like every other command: see _signals.py
        sys.stderr.write("terminated\n")
        return TERMINATED
    sys.stderr.write("interrupted\n")
    return INTERRUPTED


@click.command(
    epilog="\b\nExamples:\n  particle-async record temp -o temps.jsonl\n"
    "  particle-async record --product 1234 -o fleet.jsonl --count 1000"
)
@click.argument("prefix", default="")
@click.option("--device", default=None, help="Only this device's events.")
@click.option("--product", default=None, help="A product's events (id or slug).")
@click.option("--org", default=None, help="An organization's events.")
@click.option("--public", is_flag=True, help="The public firehose instead of your devices.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The JSON-lines file to write.",
)
@click.option("--append", is_flag=True, help="Add to OUTPUT instead of replacing it.")
@click.option("--count", type=int, default=None, help="Stop after this many events.")
@click.pass_context
def record(
    ctx: click.Context,
    prefix: str,
    device: str | None,
    product: str | None,
    org: str | None,
    public: bool,
    output: Path,
    append: bool,
    count: int | None,
) -> None:
    """Record events whose name starts with PREFIX to a JSON-lines file (Ctrl-C stops)."""
    options = settings(ctx)
    scope = {"device": device, "product": product, "org": org, "public": public}
    try:
        status = anyio.run(
            lambda: _record(options, output, append, prefix=prefix, count=count, **scope)
        )
    except ParticleError as exc:
        sys.stderr.write(f"\nerror: {exc}\n")
        sys.exit(1)
    except OSError as exc:  # OUTPUT cannot be written: one line, not a traceback
        sys.stderr.write(f"error: {exc.strerror or exc}: {output}\n")
        sys.exit(1)
    except KeyboardInterrupt:  # before the signal watcher was listening
        sys.stderr.write("\ninterrupted\n")
        sys.exit(INTERRUPTED)
    sys.exit(status)


commands = (record,)
