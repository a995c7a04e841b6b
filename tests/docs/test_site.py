"""The docs site's sources: every resource module has a reference page in the nav, every
guide page is in the nav, and every Python block in the guides is valid Python. (The
site itself is built with `mkdocs build --strict` by `nox -s check`.)"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RESOURCES = ROOT / "particle_async" / "resources"
CONFIG = (ROOT / "mkdocs.yml").read_text()


def resource_modules() -> list[str]:
    return sorted(p.stem for p in RESOURCES.glob("*.py") if not p.stem.startswith("_"))


def test_every_resource_module_has_a_reference_page() -> None:
    modules = resource_modules()
    assert "devices" in modules
    missing = [m for m in modules if not (DOCS / "reference" / "resources" / f"{m}.md").exists()]
    unlisted = [m for m in modules if f"reference/resources/{m}.md" not in CONFIG]
    assert not missing, f"no reference page for {missing}"
    assert not unlisted, f"not in mkdocs.yml nav: {unlisted}"
    for module in modules:
        page = (DOCS / "reference" / "resources" / f"{module}.md").read_text()
        assert f"::: particle_async.resources.{module}" in page


def guide_pages() -> list[pathlib.Path]:
    return sorted(DOCS.glob("*.md"))


def test_every_page_is_in_the_nav() -> None:
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")]
    pages = [p for p in pages if not p.startswith("coverage/")]
    assert "API_COVERAGE.md" in pages
    unlisted = [p for p in pages if p not in CONFIG]
    assert not unlisted, f"pages missing from mkdocs.yml nav: {unlisted}"


def test_the_build_needs_no_internet() -> None:
    assert re.search(r"^\s+font: false", CONFIG, re.MULTILINE), "theme.font must be false"


@pytest.mark.parametrize("page", guide_pages(), ids=lambda p: p.name)
def test_python_blocks_compile(page: pathlib.Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), re.DOTALL)
    for number, block in enumerate(blocks, 1):
        # The guides show coroutine bodies (`await`, `async with`) at the top level.
        compile(block, f"{page.name}[{number}]", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
