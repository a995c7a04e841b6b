"""The fleet example runs as a user would run it: one command, real processes, a real
redis-server, the fake cloud; the leader is killed with SIGKILL halfway through."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_fleet_example_fails_over_and_accounts_for_every_event() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.fleet", "--seconds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    leaders = re.findall(r"^(w\d) leads$", out, re.MULTILINE)
    killed = re.search(r"^kill -9 (w\d) \(the leader\)$", out, re.MULTILINE)
    assert killed is not None
    assert leaders[0] == killed.group(1)
    assert len(leaders) >= 2  # another worker took over
    assert leaders[1] != killed.group(1)
    gap = re.search(r"saw a gap of ([\d.]+) s \(leader change\)", out)
    assert gap is not None
    assert 0 < float(gap.group(1)) < 1.0 + 1.0 / 3 + 1.0  # lease + one renewal (+ slack)
    for name in ("w1", "w2", "w3"):
        assert re.search(rf"^  {name}: \d+ events", out, re.MULTILINE)
    counts = re.search(r"published (\d+), handled (\d+) distinct", out)
    missing = re.search(r"not handled: (-?\d+), published during the ([\d.]+) s gap", out)
    assert counts is not None
    assert missing is not None
    published, handled = int(counts.group(1)), int(counts.group(2))
    assert handled > 0
    # everything is handled but what was published while nobody was subscribed upstream
    # (20 events/s during the gap, give or take the events around its two edges)
    assert int(missing.group(1)) <= float(missing.group(2)) / 0.05 + 5
    assert published - handled == int(missing.group(1))
