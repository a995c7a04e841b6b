"""Every ```python block of the README runs, against the embedded fake cloud, so none rots.

Three kinds of block, told apart by their text:
- a pytest test (it defines `test_...`): written to a file and run by pytest in a child
  process, as a user would after copying it (pytest-asyncio's strict mode included);
- a fragment, whose first line is `# given: NAME, ...`: run as top-level-await code with
  those names bound (`cloud` an open `Particle`, `DEVICE_ID` one of its devices, `t1`,
  `t2`, `t3` access tokens), on asyncio and on trio; any other name is an error;
- anything else, a whole program: executed as is, with PARTICLE_ACCESS_TOKEN and
  PARTICLE_API_BASE_URL pointing at the fake cloud.
The fake holds the device the README names (`0123456789abcdef01234567`, with variable
`temperature` and function `brew`) and it publishes `temp` events all the time.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from particle_async import Particle
from particle_async.testing import FakeCloud

README = Path(__file__).resolve().parents[2] / "README.md"
DEVICE_ID = "0123456789abcdef01234567"
GIVEN = re.compile(r"\A# given: (.+)\n")
KNOWN_NAMES = {"cloud", "DEVICE_ID", "t1", "t2", "t3"}


def python_blocks() -> list[tuple[int, str]]:
    """(line number, source) of every ```python block."""
    found: list[tuple[int, str]] = []
    lines = README.read_text().splitlines(keepends=True)
    start: int | None = None
    for number, line in enumerate(lines, 1):
        if start is None and line.rstrip() == "```python":
            start = number
        elif start is not None and line.rstrip() == "```":
            found.append((start, "".join(lines[start : number - 1])))
            start = None
    assert start is None, f"README.md:{start}: unclosed code block"
    return found


BLOCKS = python_blocks()


def kind(source: str) -> str:
    if re.search(r"^(async )?def test_", source, re.M):
        return "pytest"
    return "fragment" if GIVEN.match(source) else "program"


def ids(blocks: list[tuple[int, str]]) -> list[str]:
    return [f"README.md:{line}" for line, _ in blocks]


PYTEST = [b for b in BLOCKS if kind(b[1]) == "pytest"]
FRAGMENTS = [b for b in BLOCKS if kind(b[1]) == "fragment"]
PROGRAMS = [b for b in BLOCKS if kind(b[1]) == "program"]


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as cloud:
        kitchen = cloud.add_device(
            "kitchen",
            id=DEVICE_ID,
            variables={"temperature": 21.5},
            functions={"brew": lambda arg: len(arg.split(","))},
        )
        cloud.simulate(kitchen, "temp", lambda i: f"{20 + i % 5}", interval=0.02)
        yield cloud


def test_the_readme_has_blocks_of_every_kind() -> None:
    assert len(PYTEST) == 1
    assert len(FRAGMENTS) >= 5
    assert len(PROGRAMS) >= 2


@pytest.mark.parametrize(("line", "source"), PROGRAMS, ids=ids(PROGRAMS))
def test_programs(line: int, source: str, fake: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTICLE_ACCESS_TOKEN", fake.token)
    monkeypatch.setenv("PARTICLE_API_BASE_URL", fake.base_url)
    code = compile(source, f"README.md:{line}", "exec")
    exec(code, {"__name__": "__readme__"})


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize(("line", "source"), FRAGMENTS, ids=ids(FRAGMENTS))
def test_fragments(line: int, source: str, backend: str, fake: FakeCloud) -> None:
    match = GIVEN.match(source)
    assert match is not None
    given = {name.strip() for name in match.group(1).split(",")}
    assert given <= KNOWN_NAMES, f"README.md:{line}: unknown names {given - KNOWN_NAMES}"
    code = compile(source, f"README.md:{line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    async def run() -> None:
        with anyio.fail_after(20):
            async with Particle(token=fake.token, base_url=fake.base_url) as cloud:
                bound = {"cloud": cloud, "DEVICE_ID": DEVICE_ID}
                bound |= {name: fake.token for name in ("t1", "t2", "t3")}
                namespace: dict[str, Any] = {"__name__": "__readme__"}
                namespace.update({name: bound[name] for name in given})
                result = eval(code, namespace)
                if inspect.iscoroutine(result):
                    await result
                for value in namespace.values():  # clients the block made and left open
                    if isinstance(value, Particle) and value is not cloud:
                        await value.aclose()

    anyio.run(run, backend=backend)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("line", "source"), PYTEST, ids=ids(PYTEST))
def test_the_testing_snippet_passes_as_copied(line: int, source: str, tmp_path: Path) -> None:
    (tmp_path / "test_copied.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_copied.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=110,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^\d passed in ", proc.stdout, re.M), proc.stdout  # anyio: each backend


def test_an_unmarked_async_test_would_not_have_run(tmp_path: Path) -> None:
    """Why the snippet carries a marker: without one, strict mode does not run it."""
    ((_, source),) = PYTEST
    unmarked = "\n".join(line for line in source.splitlines() if "pytest.mark" not in line)
    (tmp_path / "test_unmarked.py").write_text(unmarked)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_unmarked.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert " passed" not in proc.stdout, proc.stdout
