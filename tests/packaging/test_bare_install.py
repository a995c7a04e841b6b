"""A plain `pip install particle_async` (no extras) in a fresh venv, used the way a user's
project would: its pytest runs green, and the parts that need an extra say which.

One venv per session: the wheel of this checkout plus pytest, the core dependencies
resolved normally from pip's cache and configured index (about 10 s). Set
PARTICLE_ASYNC_SKIP_BARE_INSTALL=1 to skip it locally; CI runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import clean_env

pytestmark = [
    pytest.mark.bare_install,
    pytest.mark.skipif(
        bool(os.environ.get("PARTICLE_ASYNC_SKIP_BARE_INSTALL")),
        reason="PARTICLE_ASYNC_SKIP_BARE_INSTALL is set",
    ),
    pytest.mark.timeout(300),
]

TESTING_HINT = 'pip install "particle_async[testing]"'
CLI_HINT = 'pip install "particle_async[cli]"'


@pytest.fixture(scope="session")
def bare_venv(built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding particle_async without extras, and pytest; returns its bin dir."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run(
        [*pip, "install", "-q", str(built_wheel), "pytest"],
        check=True,
        timeout=280,
        env=clean_env(),
    )
    return venv / "bin"


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=clean_env(PATH=path),
    )


def project(tmp_path: Path, source: str) -> Path:
    (tmp_path / "test_project.py").write_text(textwrap.dedent(source))
    return tmp_path


def test_the_venv_really_has_no_extras(bare_venv: Path, tmp_path: Path) -> None:
    probe = "import importlib.util as u; print([m for m in ('starlette', 'uvicorn', 'click', 'rich', 'httpx_sse', 'particle_async') if u.find_spec(m)])"
    proc = run(bare_venv, "python", "-c", probe, cwd=tmp_path)
    assert proc.stdout.strip() == "['particle_async']", proc.stderr


def test_a_users_pytest_passes_with_our_plugin_loaded(bare_venv: Path, tmp_path: Path) -> None:
    project(
        tmp_path,
        """
        def test_arithmetic():
            assert 1 + 1 == 2

        def test_our_plugin_is_registered(pytestconfig):
            assert pytestconfig.pluginmanager.has_plugin("particle_async")
        """,
    )
    proc = run(bare_venv, "pytest", "-q", "-W", "error", "-p", "no:cacheprovider", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_the_fixture_without_the_extra_fails_in_one_line(bare_venv: Path, tmp_path: Path) -> None:
    project(
        tmp_path,
        """
        def test_plain():
            pass

        def test_with_the_fake(fake_cloud):
            pass
        """,
    )
    proc = run(bare_venv, "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 passed, 1 error" in proc.stdout
    lines = [line for line in proc.stdout.splitlines() if TESTING_HINT in line]
    assert lines[0] == (
        "the fake_cloud fixture needs the [testing] extra (uvicorn is not installed): "
        + TESTING_HINT
    )
    assert "Traceback" not in proc.stdout
    assert "During handling" not in proc.stdout


def test_importing_the_fake_cloud_names_the_extra(bare_venv: Path, tmp_path: Path) -> None:
    proc = run(
        bare_venv, "python", "-c", "from particle_async.testing import FakeCloud", cwd=tmp_path
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].endswith(TESTING_HINT)
    assert "During handling" not in proc.stderr


def test_the_command_without_the_cli_extra_is_one_line(bare_venv: Path, tmp_path: Path) -> None:
    proc = run(bare_venv, "particle-async", "list", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (
        f"particle-async needs the [cli] extra (click, rich not installed): {CLI_HINT}\n"
    )


def test_the_client_itself_works(bare_venv: Path, tmp_path: Path) -> None:
    script = (
        "import anyio, particle_async\n"
        "async def main():\n"
        "    async with particle_async.Particle(token='t' * 40) as cloud:\n"
        "        print(repr(cloud))\n"
        "anyio.run(main)\n"
    )
    proc = run(bare_venv, "python", "-c", script, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<Particle https://api.particle.io token=set open>")
