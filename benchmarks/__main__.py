"""`python -m benchmarks [NAME ...] [--quick] [--rounds N] [--compare-before PATH] [...]`.

With no names, runs every benchmark of DEFAULT in order, then prints the summary table
(issue 14's rows, before and after, each with its target). See benchmarks/README.md.

Adding a benchmark: a module `benchmarks/<name>.py` with `run(ctx: Context) -> None`
(and, optionally, `add_arguments(parser)` for its own options), registered below in
BENCHMARKS (and in DEFAULT if it should run when no names are given). `ctx` gives the
options, the sides to measure (`ctx.sides`), the loopback server (`ctx.server`), child
processes on a side's library (`_harness.run_child`) and summary rows (`ctx.add`).
A module whose `run` takes `(server, *, quick)` instead (the older form, e.g.
`distributed`) is run in this process, on this tree's library only.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import inspect
import os
import platform
import sys
import time
from importlib import metadata
from types import ModuleType

from . import LIBRARY_ENV
from ._common import Table
from ._harness import ROOT, Context, Side

BENCHMARKS: dict[str, str] = {
    "stream": "benchmarks.stream",
    "fanout": "benchmarks.fanout",
    "many": "benchmarks.many",
    "request": "benchmarks.request",
    "construct": "benchmarks.construct",
    "reconnect": "benchmarks.reconnect",
    "limiter": "benchmarks.limiter",
    "distributed": "benchmarks.distributed",
}
DEFAULT = [
    "stream",
    "fanout",
    "many",
    "request",
    "construct",
    "reconnect",
    "limiter",
    "distributed",
]

PACKAGES = (
    "httpx",
    "httpx-sse",
    "anyio",
    "msgspec",
    "orjson",
    "aiohttp",
    "aiohttp-sse-client",
    "uvicorn",
)


def _modules() -> dict[str, ModuleType]:
    return {name: importlib.import_module(path) for name, path in BENCHMARKS.items()}


def _parser(modules: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)} (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one round (smoke run)")
    parser.add_argument("--rounds", type=int, default=0, help="rounds per benchmark")
    parser.add_argument(
        "--compare-before",
        metavar="PATH",
        help="also measure the particle_async of the source tree PATH (the 'before' side)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=25,
        default=0,
        metavar="TOP",
        help="also cProfile particle_async in the stream benchmark (top TOP entries)",
    )
    for module in modules.values():
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
    return parser


def _sides(before: str | None) -> list[Side]:
    after = Side("after", os.path.abspath(os.environ.get(LIBRARY_ENV) or ROOT))
    if before is None:
        return [after]
    root = os.path.abspath(before)
    if not os.path.isfile(os.path.join(root, "particle_async", "__init__.py")):
        raise SystemExit(f"--compare-before {before}: no particle_async/ package there")
    return [Side("before", root), after]


def _versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _print_summary(ctx: Context) -> None:
    if not ctx.summary:
        return
    names = [side.name for side in ctx.sides]
    rows = []
    for row in ctx.summary:
        met = "-" if row.met is None else ("yes" if row.met else "NO")
        figures = [row.before, row.after] if len(names) > 1 else [row.after]
        rows.append([row.what, *figures, row.target, met])
    header = ["what", *names, "target", "met"]
    table = Table(
        "summary: issue 14's rows" + (" (before -> after)" if len(names) > 1 else ""),
        header,
        [max(len(r[i]) for r in rows) for i in range(len(header))],
    )
    for cells in rows:
        table.row(*cells)


def _run(module: ModuleType, ctx: Context) -> None:
    """`run(ctx)`, or the older `run(server, *, quick)` (this tree's library only)."""
    parameters = list(inspect.signature(module.run).parameters)
    if parameters[:1] == ["ctx"]:
        module.run(ctx)
        return
    if len(ctx.sides) > 1:
        print(f"\n(`{module.__name__}` measures this tree's library only: no before side)")
    module.run(ctx.server, quick=ctx.quick)


def main(argv: list[str] | None = None) -> int:
    modules = _modules()
    parser = _parser(modules)
    options = parser.parse_args(argv)
    names = options.names or DEFAULT
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")  # fmt: skip
    ctx = Context(options=options, sides=_sides(options.compare_before))

    print(f"particle_async benchmarks, {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"{platform.platform()} | {os.cpu_count()} CPUs | Python {platform.python_version()}")
    print(_versions())
    for side in ctx.sides:
        print(f"{side.name}: {side.describe}")
    started = time.perf_counter()
    try:
        for name in names:
            began = time.perf_counter()
            _run(modules[name], ctx)
            print(f"   ({name}: {time.perf_counter() - began:.1f} s)")
    finally:
        ctx.close()
    _print_summary(ctx)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
