"""What a user sees on a package index: the wheel's metadata, the license, the README."""

from __future__ import annotations

import ast
import re
import sys
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

import pytest

from .conftest import ROOT

REPO = "https://github.com/particle-async/particle_async"
REQUIRED_CLASSIFIERS = {
    "Typing :: Typed",
    "Framework :: AsyncIO",
    "Framework :: Trio",
    "Framework :: Pytest",
    "License :: OSI Approved :: Apache Software License",
    "Programming Language :: Python :: 3.10",
    "Development Status :: 3 - Alpha",
}
LINK = re.compile(
    r"\[[^\]]*\]\(([^)\s]+)[^)]*\)|<a\s[^>]*href=\"([^\"]+)\"|^\[[^\]]+\]:\s*(\S+)", re.M
)


@pytest.fixture(scope="module")
def metadata(built_wheel: Path) -> Message:
    with zipfile.ZipFile(built_wheel) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        return HeaderParser().parsestr(wheel.read(name).decode())


def test_the_wheel_carries_the_license(built_wheel: Path, metadata: Message) -> None:
    with zipfile.ZipFile(built_wheel) as wheel:
        licenses = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert len(licenses) == 1
        text = wheel.read(licenses[0]).decode()
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text
    assert text == (ROOT / "LICENSE").read_text()
    assert metadata["License"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]


def test_classifiers(metadata: Message) -> None:
    classifiers = set(metadata.get_all("Classifier") or [])
    assert classifiers >= REQUIRED_CLASSIFIERS


def test_project_urls_point_at_one_repository(metadata: Message) -> None:
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Changelog", "Issues"} <= set(urls)
    assert urls["Homepage"] == REPO
    assert urls["Changelog"] == f"{REPO}/blob/main/CHANGELOG.md"
    assert urls["Issues"] == f"{REPO}/issues"


def test_the_wheel_ships_types_and_the_plugin(built_wheel: Path) -> None:
    with zipfile.ZipFile(built_wheel) as wheel:
        names = set(wheel.namelist())
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entries = wheel.read(entry_points).decode()
    assert "particle_async/py.typed" in names
    assert "particle_async/pytest_plugin.py" in names
    assert "particle_async = particle_async.pytest_plugin" in entries
    assert "particle-async = particle_async.cli:main" in entries


def test_core_dependencies_are_small(metadata: Message) -> None:
    """httpx-sse is a benchmark comparison, not a dependency: nothing of ours imports it."""
    requires = metadata.get_all("Requires-Dist") or []
    core = {re.split(r"[<>=!~\[; ]", dep)[0] for dep in requires if "extra ==" not in dep}
    assert core == {"httpx", "anyio", "attrs", "tenacity"}
    assert any(d.startswith("httpx-sse") and "extra == 'bench'" in d for d in requires)
    for module in (ROOT / "particle_async").rglob("*.py"):
        source = module.read_text()
        assert not re.search(r"^\s*(import|from)\s+httpx_sse\b", source, re.M), module


DISTRIBUTIONS = {"httpx_sse": "httpx-sse", "aiohttp_sse_client": "aiohttp-sse-client"}


def _third_party_imports(folder: Path) -> set[str]:
    found: set[str] = set()
    for module in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.partition(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names} - {
        "particle_async",
        "__future__",
    }


def test_benchmarks_import_only_what_the_bench_extra_installs(metadata: Message) -> None:
    requires = metadata.get_all("Requires-Dist") or []
    installed_by_bench = {
        re.split(r"[<>=!~\[; ]", dep)[0]
        for dep in requires
        if "extra ==" not in dep or "extra == 'bench'" in dep
    }
    imported = _third_party_imports(ROOT / "benchmarks")
    assert "httpx_sse" in imported
    assert {DISTRIBUTIONS.get(name, name) for name in imported} <= installed_by_bench


def test_readme_links_are_absolute() -> None:
    """PyPI renders the README away from the repository: relative links would 404."""
    readme = (ROOT / "README.md").read_text()
    links = [next(g for g in match.groups() if g) for match in LINK.finditer(readme)]
    assert links, "the README has links; the pattern must find them"
    relative = [link for link in links if not link.startswith(("https://", "http://"))]
    assert relative == []
    ours = [link for link in links if "particle-async" in link or "particle_async" in link]
    assert all(link.startswith(REPO) or "particle-async.github.io" in link for link in ours)


def test_changelog_has_unreleased_and_the_current_version(metadata: Message) -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    version = metadata["Version"]
    headings = re.findall(r"^## \[?([^\]\s]+)\]?", changelog, re.M)
    assert headings[:2] == ["Unreleased", version]
