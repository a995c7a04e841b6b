"""Sessions: `nox -s check` runs everything CI runs (lint, types, tests, the docs build) in
the current env."""

import tempfile

import nox

nox.options.sessions = ["check"]


@nox.session(venv_backend="none")
def check(session: nox.Session) -> None:
    """ruff, mypy --strict, the whole test suite and the docs site, in the environment
    already installed."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("pytest", "-q", *session.posargs)
    docs(session)


@nox.session(venv_backend="none")
def docs(session: nox.Session) -> None:
    """`mkdocs build --strict` into a temporary directory: a broken reference fails."""
    with tempfile.TemporaryDirectory(prefix="particle-async-site-") as site:
        session.run(
            "mkdocs",
            "build",
            "--strict",
            "--quiet",
            "--site-dir",
            site,
            env={"NO_MKDOCS_2_WARNING": "1"},  # mkdocs-material's end-of-life banner
        )


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """The side-by-side benchmarks (a few seconds each)."""
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(venv_backend="none")
def demo(session: nox.Session) -> None:
    """The demo against the embedded fake cloud."""
    session.run("particle-async", "demo")
