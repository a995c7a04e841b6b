"""The harness: sides of a comparison, measurements in child processes, the summary.

Every measurement of the library runs in a fresh child process,
`python -m benchmarks._harness MODULE FUNCTION JSON-KWARGS`, which calls
`benchmarks.MODULE.FUNCTION(**kwargs)` and prints `RESULT <json>` as its last line.
The "after" side measures the library of this tree; the "before" side (with
`--compare-before PATH`) sets `BENCH_LIBRARY=PATH` so the child imports the library of
that tree instead (see `benchmarks/__init__.py`); the child reports the file it imported,
and the parent checks it. A fresh process per round also keeps rounds independent: no
warm caches, heap or garbage-collector state carried over from another client.

The servers (`_server.py`, `_fake.py`) always run this tree's code: they are the fixed
side of the comparison.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import LIBRARY_ENV
from ._server import LoopbackServer

__all__ = ["Child", "Context", "Side", "SummaryRow", "run_child", "sync_point"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Side:
    """One library under test: `root` is the source tree holding its `particle_async/`."""

    name: str
    root: str = ROOT

    @property
    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key != LIBRARY_ENV}
        if self.root != ROOT:
            env[LIBRARY_ENV] = self.root
        return env

    @cached_property
    def describe(self) -> str:
        """`<root>/particle_async at <commit>` (+ "with uncommitted changes")."""

        def git(*args: str) -> str:
            out = subprocess.run(
                ["git", "-C", self.root, *args], capture_output=True, text=True, check=False
            )
            return out.stdout.strip()

        commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
        dirty = git("status", "--porcelain", "--", "particle_async")
        return f"{self.root}/particle_async at {commit}" + (
            " + uncommitted changes" if dirty else ""
        )


class Child:
    """One measurement in a child process; `expect`/`send` for a handshake, `result()`."""

    def __init__(self, side: Side, module: str, function: str, **kwargs: Any) -> None:
        self.side = side
        self.label = f"{module}.{function} [{side.name}]"
        warnings = [f"-W{option}" for option in sys.warnoptions]
        payload = json.dumps(kwargs)
        self._proc = subprocess.Popen(
            [sys.executable, *warnings, "-m", "benchmarks._harness", module, function, payload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=side.env,
            cwd=ROOT,
        )

    def _lines(self) -> Iterator[str]:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            yield line.rstrip("\n")

    def expect(self, word: str) -> None:
        """Wait until the child prints `word` alone on a line (other lines are relayed)."""
        for line in self._lines():
            if line == word:
                return
            print(line, flush=True)
        self._fail(f"ended before {word!r}")

    def send(self, word: str) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(word + "\n")
        self._proc.stdin.flush()

    def result(self) -> Any:
        """The function's return value; relays everything else the child printed."""
        found: Any = None
        for line in self._lines():
            if line.startswith("RESULT "):
                found = json.loads(line.removeprefix("RESULT "))
            else:
                print(line, flush=True)
        status = self._proc.wait()
        self._close_pipes()
        if status != 0 or found is None:
            self._fail(f"exited with status {status}")
        library = os.path.abspath(found["library"])
        if not library.startswith(self.side.root + os.sep):
            raise RuntimeError(f"{self.label} measured {library}, not {self.side.root}")
        return found["value"]

    def kill(self) -> None:
        """Stop the child if it is still running (after a failure elsewhere)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()

    def _fail(self, why: str) -> None:
        self.kill()
        raise RuntimeError(f"benchmark child {self.label} {why} (its stderr is above)")


def run_child(side: Side, module: str, function: str, **kwargs: Any) -> Any:
    """Run `benchmarks.<module>.<function>(**kwargs)` on `side`'s library; its result."""
    return Child(side, module, function, **kwargs).result()


def sync_point(word: str) -> None:
    """In a child: tell the parent we reached `word`, and wait until it answers."""
    print(word, flush=True)
    sys.stdin.readline()


@dataclass
class SummaryRow:
    """One row of the final before/after table (the rows of issue 14's table)."""

    what: str
    after: str
    target: str
    met: bool | None  # None: no target, or not decidable from this run
    before: str = "-"


@dataclass
class Context:
    """What a benchmark's `run(ctx)` gets: options, the sides, servers, the summary."""

    options: Any  # the parsed argparse namespace (each benchmark's own options included)
    sides: list[Side]
    summary: list[SummaryRow] = field(default_factory=list)
    _server: LoopbackServer | None = None

    @property
    def quick(self) -> bool:
        return bool(self.options.quick)

    def rounds(self, default: int) -> int:
        """`--rounds` if given, else the benchmark's default (1 with `--quick`)."""
        if self.options.rounds:
            return int(self.options.rounds)
        return 1 if self.quick else default

    @property
    def server(self) -> LoopbackServer:
        """The loopback SSE server, started on first use (closed by `close()`)."""
        if self._server is None:
            self._server = LoopbackServer().__enter__()
        return self._server

    def close(self) -> None:
        if self._server is not None:
            self._server.__exit__(None, None, None)
            self._server = None

    def add(self, what: str, values: dict[str, str], target: str, met: bool | None) -> None:
        """A summary row from per-side figures (`{"before": ..., "after": ...}`)."""
        self.summary.append(
            SummaryRow(what, values.get("after", "-"), target, met, values.get("before", "-"))
        )


def _main(argv: list[str]) -> None:
    module, function, payload = argv
    target = getattr(importlib.import_module(f"benchmarks.{module}"), function)
    value = target(**json.loads(payload))
    library = sys.modules["particle_async"].__file__ if "particle_async" in sys.modules else None
    if library is None:
        import particle_async

        library = particle_async.__file__
    print("RESULT " + json.dumps({"value": value, "library": library}), flush=True)


if __name__ == "__main__":
    _main(sys.argv[1:])
