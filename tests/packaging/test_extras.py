"""Without an extra, its features fail in one line that names it; nothing else breaks.

Each check runs in a fresh interpreter where the extra's packages are made unimportable
(`sys.modules[name] = None`), so it sees what a plain `pip install particle_async` sees.
The real thing, a venv with only the core dependencies, is in `test_bare_install.py`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from particle_async import ParticleError
from particle_async._extras import MissingExtraError, require_extra

TESTING_HINT = 'pip install "particle_async[testing]"'
CLI_HINT = 'pip install "particle_async[cli]"'


def hide(*modules: str) -> str:
    """Python source that makes `modules` unimportable, as if they were not installed."""
    return "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules)


def run_python(source: str, *, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PARTICLE_"))}
    return subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )


def test_missing_extra_error_is_both_a_particle_error_and_an_import_error() -> None:
    with pytest.raises(MissingExtraError) as caught:
        with require_extra("testing", "the fake cloud"):
            raise ModuleNotFoundError("No module named 'starlette.routing'", name="starlette")
    error = caught.value
    assert isinstance(error, ParticleError)
    assert isinstance(error, ModuleNotFoundError)
    assert error.name == "starlette"
    assert error.__suppress_context__
    assert str(error) == (
        f"the fake cloud needs the [testing] extra (starlette is not installed): {TESTING_HINT}"
    )


def test_other_import_errors_are_not_blamed_on_the_extra() -> None:
    with pytest.raises(ModuleNotFoundError) as caught:
        with require_extra("testing", "the fake cloud"):
            raise ModuleNotFoundError("No module named 'nonexistent'", name="nonexistent")
    assert not isinstance(caught.value, MissingExtraError)


def test_plugin_and_testing_package_import_without_the_extra() -> None:
    proc = run_python(
        hide("starlette", "uvicorn")
        + "import particle_async.pytest_plugin, particle_async.testing\n"
        + "print('FakeCloud' in dir(particle_async.testing), 'particle_async.testing._server' in sys.modules)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False"]


def test_importing_fakecloud_without_the_extra_names_it_in_one_line() -> None:
    proc = run_python(
        hide("starlette", "uvicorn") + "from particle_async.testing import FakeCloud\n"
    )
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("particle_async._extras.MissingExtraError: the fake cloud")
    assert last.endswith(TESTING_HINT)
    assert "During handling" not in proc.stderr  # no chained traceback from the import
    assert "_server.py" not in proc.stderr


def test_the_fixture_without_the_extra_fails_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(hide("starlette", "uvicorn"))
    (tmp_path / "test_it.py").write_text(
        textwrap.dedent(
            """
            def test_plain():
                assert 1 + 1 == 2

            def test_uses_the_fake(fake_cloud):
                raise AssertionError("never reached")
            """
        )
    )
    proc = run_python(
        "import sys, pytest\nsys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-rE']))\n",
        cwd=tmp_path,
    )
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "1 passed, 1 error" in out
    lines = [line for line in out.splitlines() if TESTING_HINT in line]
    assert re.fullmatch(
        r"the fake_cloud fixture needs the \[testing\] extra \((starlette|uvicorn) is not "
        r'installed\): pip install "particle_async\[testing\]"',
        lines[0],
    ), out
    assert "Traceback" not in out
    assert "During handling" not in out
    assert "never reached" not in out


def test_the_command_without_the_cli_extra_names_it_in_one_line() -> None:
    proc = run_python(hide("click") + "from particle_async.cli import main\nmain()\n")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (
        f"particle-async needs the [cli] extra (click not installed): {CLI_HINT}\n"
    )


def test_the_demo_without_the_testing_extra_names_it_in_one_line() -> None:
    proc = run_python(
        hide("starlette", "uvicorn")
        + "sys.argv = ['particle-async', 'demo']\n"
        + "from particle_async.cli import main\nmain()\n"
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1].endswith(TESTING_HINT)
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
