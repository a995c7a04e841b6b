"""Running `particle-async` in-process (click's CliRunner) against a fake cloud."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner, Result

from particle_async.cli._app import cli
from particle_async.testing import FakeCloud


def invoke(
    fake: FakeCloud | None,
    *args: str,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> Result:
    """`particle-async ARGS` with the fake's token and URL in the environment.

    `result.stdout` and `result.stderr` are apart (what a pipe would see on each).
    """
    base = {"PARTICLE_ACCESS_TOKEN": "", "PARTICLE_API_BASE_URL": ""}
    if fake is not None:
        base = {"PARTICLE_ACCESS_TOKEN": fake.token, "PARTICLE_API_BASE_URL": fake.base_url}
    base.update(env or {})
    clean = {k: (v or None) for k, v in base.items()}  # None unsets it for the run
    return CliRunner().invoke(
        cli, list(args), env=clean, input=input, catch_exceptions=False, prog_name="particle-async"
    )


def alpha(fake: FakeCloud) -> str:
    return fake.device("alpha").id


def child_env(**extra: str) -> dict[str, str]:
    """Our environment minus PARTICLE_* and PYTEST_*, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARTICLE_", "PYTEST_"))}
    env.update(extra)
    return env


COMMAND = [sys.executable, "-m", "particle_async.cli"]


def run_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real thing: `python -m particle_async.cli ARGS` in a child process."""
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, timeout=60, env=child_env(**(env or {}))
    )
