"""7. `Particle()` construction: the first in a process, and the ones after it.

Each measurement is a fresh interpreter (a child process per side per round), timing in
order: the import; the first construction; then 20 more (their median). Three kinds:

- `Particle(token=...)` with the default `https://api.particle.io` base URL (nothing is
  sent: construction only);
- the same with a loopback `http://` base URL, where no TLS context is needed at all;
- for reference, bare `httpx.AsyncClient()` (default `verify=True`: its own TLS context
  each time) and `ssl.create_default_context()`: the costs a construction can hide. The
  first `httpx.AsyncClient()` of a process also imports httpcore (httpx does that lazily),
  which every httpx-based client pays once.

This module imports nothing from particle_async at its top: the import is timed.
"""

from __future__ import annotations

import time
from typing import Any

from ._common import Table, median
from ._harness import Context, run_child

TOKEN = "0" * 40
LATER = 20


def _timed(make: Any, count: int) -> tuple[float, float, list[Any]]:
    """(first, later, objects): ms of the first call, median ms of `count` more."""
    start = time.perf_counter()
    made = [make()]
    first = time.perf_counter() - start
    later = []
    for _ in range(count):
        start = time.perf_counter()
        made.append(make())
        later.append(time.perf_counter() - start)
    return first * 1e3, median(later) * 1e3, made


def measure(kind: str) -> dict[str, float]:
    """In a fresh child: milliseconds of each step of `kind` ("https", "http", "httpx")."""
    import anyio

    start = time.perf_counter()
    if kind == "httpx":
        import httpx

        make: Any = httpx.AsyncClient
    else:
        import particle_async

        kwargs: dict[str, Any] = {"token": TOKEN}
        if kind == "http":
            kwargs["base_url"] = "http://127.0.0.1:9"

        def make() -> Any:
            return particle_async.Particle(**kwargs)

    imported = (time.perf_counter() - start) * 1e3
    first, later, clients = _timed(make, LATER)
    figures = {"import_ms": imported, "first_ms": first, "later_ms": later}
    if kind == "httpx":
        import ssl

        figures["ssl_first_ms"], figures["ssl_later_ms"], _ = _timed(ssl.create_default_context, 5)

    async def close_all() -> None:
        for client in clients:
            await client.aclose()

    anyio.run(close_all)
    return figures


KINDS = {
    "https": "Particle(), https base URL",
    "http": "Particle(), http base URL",
    "httpx": "ref: httpx.AsyncClient()",
}
STEPS = (("import", "import_ms"), ("first", "first_ms"), ("later (median of 20)", "later_ms"))


def run(ctx: Context) -> None:
    rounds = ctx.rounds(5)
    names = [side.name for side in ctx.sides]
    results: dict[tuple[str, str], list[dict[str, float]]] = {
        (side, kind): [] for side in names for kind in KINDS
    }
    for r in range(rounds):
        for side in ctx.sides if r % 2 == 0 else ctx.sides[::-1]:
            for kind in KINDS:
                results[side.name, kind].append(run_child(side, "construct", "measure", kind=kind))
    table = Table(
        f"7. construction in a fresh process, ms, median of {rounds} processes per side",
        ["what", *(f"{step} {s}" for step, _ in STEPS for s in names)],
        [28],
    )

    def at(side: str, kind: str, key: str) -> float:
        return median([r[key] for r in results[side, kind]])

    for kind, label in KINDS.items():
        table.row(label, *(f"{at(side, kind, key):.2f}" for _, key in STEPS for side in names))
    ssl_first = at(names[-1], "httpx", "ssl_first_ms")
    ssl_later = at(names[-1], "httpx", "ssl_later_ms")
    print(
        f"   ref: ssl.create_default_context() first {ssl_first:.2f} ms, later {ssl_later:.2f} ms"
    )
    after = names[-1]
    for label, key in (("first", "first_ms"), ("later", "later_ms")):
        ctx.add(
            f"Particle() construction, {label} in a process (https base URL)",
            {side: f"{at(side, 'https', key):.2f} ms" for side in names},
            "< 5 ms",
            at(after, "https", key) < 5,
        )
    ctx.add(
        "  ref: first httpx.AsyncClient() in a process",
        {side: f"{at(side, 'httpx', 'first_ms'):.2f} ms" for side in names},
        "-",
        None,
    )
