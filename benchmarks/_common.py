"""Small helpers shared by the benchmarks: statistics, tables, memory, and the client."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when first used: see benchmarks/__init__.py and construct.py
    from particle_async import Particle

__all__ = [
    "TOKEN",
    "Table",
    "counts",
    "fmt_rate",
    "max_in_window",
    "median",
    "percentile",
    "ratio_median",
    "rss_bytes",
    "same_round",
    "sdk_client",
    "spread",
]

TOKEN = "0" * 40  # the loopback server accepts anything; the fake cloud has its own


def sdk_client(base_url: str, token: str = TOKEN) -> Particle:
    """A client with the rate limiter off: throughput benchmarks measure the stream."""
    from particle_async import Particle

    return Particle(token=token, base_url=base_url, rate_limiter=None)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank, of unsorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def same_round(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """The ratios `a[i] / b[i]` of figures taken in the same round (or window)."""
    return [a / b for a, b in zip(numerators, denominators, strict=True) if b]


def ratio_median(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The median of same-round ratios `a[i] / b[i]`: each ratio compares two figures
    taken under the same machine conditions, so load that swings between rounds cancels
    (the ratio of two medians would mix rounds)."""
    return median(same_round(numerators, denominators))


def counts(text: str) -> list[int]:
    """`--consumers 1000,10_000` -> [1000, 10000]: an option's comma-separated counts."""
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def spread(values: Sequence[float]) -> str:
    """`min-max` of some ratios, for the reader to see how much the rounds agree."""
    return f"{min(values):.2f}-{max(values):.2f}" if values else "-"


def max_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """The most timestamps that fall in any half-open window [t, t + window)."""
    ordered = sorted(times)
    best = 0
    j = 0
    for i, start in enumerate(ordered):
        j = max(j, i)
        while j < len(ordered) and ordered[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


def rss_bytes() -> int:
    """Resident set size of this process, from /proc (Linux); 0 elsewhere."""
    try:
        with open(f"/proc/{os.getpid()}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


class Table:
    """A plain-text table printed as rows arrive (right-aligned, columns fixed up front;
    each column at least as wide as its header)."""

    def __init__(self, title: str, columns: Sequence[str], widths: Sequence[int] = ()):
        self.columns = list(columns)
        given = list(widths) + [0] * (len(self.columns) - len(widths))
        self.widths = [max(w, len(c)) for w, c in zip(given, self.columns, strict=True)]
        print(f"\n== {title}")
        self._print(self.columns)
        print("  ".join("-" * w for w in self.widths))

    def row(self, *cells: object) -> None:
        self._print([str(c) for c in cells])

    def _print(self, cells: Sequence[str]) -> None:
        first, *rest = cells
        line = first.ljust(self.widths[0])
        for cell, width in zip(rest, self.widths[1:], strict=True):
            line += "  " + cell.rjust(width)
        print(line, flush=True)
