"""Every documented endpoint and every JavaScript SDK call has a method, and it exists."""

from __future__ import annotations

import csv
import importlib.util
import pathlib

import pytest

from particle_async import Particle

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENDPOINTS = ROOT / "docs" / "api" / "endpoints.tsv"


def _render_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "render", ROOT / "docs" / "coverage" / "render.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def endpoints() -> list[tuple[str, str, str, str]]:
    with ENDPOINTS.open(newline="") as handle:
        return [
            (r["group"], r["js_method"], r["http_method"], r["path"])
            for r in csv.DictReader(handle, delimiter="\t")
        ]


def mapped() -> dict[tuple[str, str, str, str], str]:
    table: dict[tuple[str, str, str, str], str] = {}
    for row in _render_module().rows():
        key = (row["group"], row["js_method"], row["http_method"], row["path"])
        assert key not in table, f"mapped twice: {key}"
        table[key] = row["python"]
    return table


def test_every_endpoint_has_a_method() -> None:
    table = mapped()
    missing = [e for e in endpoints() if e not in table]
    assert not missing, f"{len(missing)} endpoints have no method, e.g. {missing[:5]}"
    unknown = [k for k in table if k not in set(endpoints())]
    assert not unknown, f"mapped rows that are not in endpoints.tsv: {unknown[:5]}"


def test_the_javascript_sdk_is_covered() -> None:
    calls = {e[1] for e in endpoints() if e[1] != "-"}
    assert len(calls) >= 117
    covered = {k[1] for k in mapped()}
    assert calls <= covered


@pytest.mark.parametrize("python", sorted(set(mapped().values())))
def test_method_exists(python: str) -> None:
    cloud = Particle(token="t" * 40, base_url="http://127.0.0.1:9")
    target: object = cloud
    for part in python.split("."):
        target = getattr(target, part)
    assert callable(target), python


def test_coverage_page_is_current() -> None:
    page = ROOT / "docs" / "API_COVERAGE.md"
    assert page.read_text() == _render_module().render(), "run: python docs/coverage/render.py"
