"""Helper processes of the benchmarks (the loopback server, the fake cloud): stopping them.

Kept apart from `_common` so the loopback server process imports nothing heavy.
"""

from __future__ import annotations

import subprocess


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
