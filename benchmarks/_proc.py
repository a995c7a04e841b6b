"""Helper processes of the benchmarks (the loopback server, the fake cloud): starting and
stopping them.

Kept apart from `_common` so the loopback server process imports nothing heavy.
"""

from __future__ import annotations

import os
import subprocess
import sys

from . import LIBRARY_ENV


def start_helper(module: str, *args: str) -> subprocess.Popen[str]:
    """`python -m <module> <args>` with stdin/stdout pipes, always on this tree's library:
    the servers are the fixed side of a before/after comparison, so a child measuring an
    older library (`BENCH_LIBRARY` set) must not pass that on to the servers it starts."""
    env = {key: value for key, value in os.environ.items() if key != LIBRARY_ENV}
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )


def stop_child(proc: subprocess.Popen[str], timeout: float) -> None:
    """End a helper process started with stdin/stdout pipes: closing its stdin asks it to
    exit; kill it if it has not within `timeout` seconds."""
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
