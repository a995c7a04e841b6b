"""Sessions: `nox -s check` runs everything CI runs (lint, types, tests) in the current env."""

import nox

nox.options.sessions = ["check"]


@nox.session(venv_backend="none")
def check(session: nox.Session) -> None:
    """ruff, mypy --strict and the whole test suite, in the environment already installed."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("pytest", "-q", *session.posargs)


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """The side-by-side benchmarks (a few seconds each)."""
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(venv_backend="none")
def demo(session: nox.Session) -> None:
    """The demo against the embedded fake cloud."""
    session.run("particle-async", "demo")
