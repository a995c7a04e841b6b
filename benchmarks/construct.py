"""7. `Particle()` construction: the first in a process, and the ones after it.

Each child process (a fresh interpreter per side per round) times, in order:
`import particle_async`; the first `Particle(token=...)`; then 20 more (their median);
all with the default `https://api.particle.io` base URL (nothing is sent: construction
only), or with a loopback `http://` base URL in a second child, where no TLS context is
needed at all. For reference, the same child then times `ssl.create_default_context()`
and `httpx.AsyncClient()` (first and subsequent), the two costs construction can hide.

This module imports nothing from particle_async at its top: the import is timed.
"""

from __future__ import annotations

import time
from typing import Any

from ._common import Table, median
from ._harness import Context, run_child

TOKEN = "0" * 40
LATER = 20


def _timed(make: Any, count: int) -> tuple[float, list[float], list[Any]]:
    """(first, later, objects): seconds of the first call and of `count` more."""
    start = time.perf_counter()
    made = [make()]
    first = time.perf_counter() - start
    later = []
    for _ in range(count):
        start = time.perf_counter()
        made.append(make())
        later.append(time.perf_counter() - start)
    return first, later, made


def measure(base_url: str | None) -> dict[str, float]:
    """In a fresh child: milliseconds of each step."""
    import anyio

    start = time.perf_counter()
    import particle_async

    imported = time.perf_counter() - start
    kwargs = {"token": TOKEN} if base_url is None else {"token": TOKEN, "base_url": base_url}
    first, later, clients = _timed(lambda: particle_async.Particle(**kwargs), LATER)

    import ssl

    import httpx

    ssl_first, ssl_later, _ = _timed(ssl.create_default_context, 5)
    httpx_first, httpx_later, raw = _timed(httpx.AsyncClient, 5)

    async def close_all() -> None:
        for client in clients + raw:
            await client.aclose()

    anyio.run(close_all)
    return {
        "import_ms": imported * 1e3,
        "first_ms": first * 1e3,
        "later_ms": median(later) * 1e3,
        "ssl_first_ms": ssl_first * 1e3,
        "ssl_later_ms": median(ssl_later) * 1e3,
        "httpx_first_ms": httpx_first * 1e3,
        "httpx_later_ms": median(httpx_later) * 1e3,
    }


VARIANTS = {"https": None, "http": "http://127.0.0.1:9"}
ROWS = (
    ("import particle_async", "import_ms"),
    ("first Particle() in the process", "first_ms"),
    ("later Particle() (median of 20)", "later_ms"),
    ("ref: first ssl.create_default_context()", "ssl_first_ms"),
    ("ref: later ssl.create_default_context()", "ssl_later_ms"),
    ("ref: first httpx.AsyncClient()", "httpx_first_ms"),
    ("ref: later httpx.AsyncClient()", "httpx_later_ms"),
)


def run(ctx: Context) -> None:
    rounds = ctx.rounds(5)
    names = [side.name for side in ctx.sides]
    results: dict[tuple[str, str], list[dict[str, float]]] = {
        (side, variant): [] for side in names for variant in VARIANTS
    }
    for r in range(rounds):
        for side in ctx.sides if r % 2 == 0 else ctx.sides[::-1]:
            for variant, base_url in VARIANTS.items():
                got = run_child(side, "construct", "measure", base_url=base_url)
                results[side.name, variant].append(got)
    table = Table(
        f"7. construction, ms, median of {rounds} fresh processes per side "
        "(https: the default base URL; http: a loopback one)",
        ["step", *(f"https {s}" for s in names), *(f"http {s}" for s in names)],
        [40],
    )
    medians = {
        (side, variant, key): median([r[key] for r in results[side, variant]])
        for side in names
        for variant in VARIANTS
        for _, key in ROWS
    }
    for label, key in ROWS:
        cells = [f"{medians[side, v, key]:.2f}" for v in VARIANTS for side in names]
        table.row(label, *cells)
    after = names[-1]
    for label, key in (("first", "first_ms"), ("later", "later_ms")):
        ctx.add(
            f"Particle() construction, {label} in a process (https base URL)",
            {side: f"{medians[side, 'https', key]:.2f} ms" for side in names},
            "< 5 ms",
            medians[after, "https", key] < 5,
        )
