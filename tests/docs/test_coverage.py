"""Every documented endpoint and every JavaScript SDK call has a method, and it exists; and
each has a route in the fake cloud, named in the `fake_route` column of endpoints.tsv."""

from __future__ import annotations

import csv
import importlib.util
import pathlib
import re

import pytest
from starlette.routing import Match, Route

from particle_async import Particle
from particle_async.testing.routes import collect_routes

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


# -- the fake cloud's route for each endpoint ------------------------------------------------


def _fake_rows() -> list[tuple[str, str, str, str]]:
    """(http_method, documented path, fake route path, row label) per path alternative."""
    found = []
    with ENDPOINTS.open(newline="") as handle:
        for r in csv.DictReader(handle, delimiter="\t"):
            paths, fakes = r["path"].split(" | "), r["fake_route"].split(" | ")
            label = f"{r['group']}.{r['js_method']} {r['http_method']} {r['path']}"
            assert len(paths) == len(fakes), f"{label}: one fake route per path, got {fakes}"
            found.extend((r["http_method"], p, f, label) for p, f in zip(paths, fakes, strict=True))
    return found


def _sample(path: str) -> str:
    """A concrete request path for a documented one (`:product` must look like an ID)."""
    return re.sub(r":(\w+)", lambda m: "1234" if m.group(1) == "product" else "x1y2", path)


def _first_match(routes: list[Route], method: str, path: str) -> str | None:
    scope = {"type": "http", "method": method, "path": path}
    return next((r.path for r in routes if r.matches(scope)[0] is Match.FULL), None)


def test_every_endpoint_names_a_fake_route_that_serves_it() -> None:
    """The route named exists for the method, and is the one the fake's router picks for
    the documented path (so the column cannot go stale). `-` (a URL helper, no request)
    is checked as GET; `:uri` (any absolute URL) only for existence."""
    routes = [r for r in collect_routes() if isinstance(r, Route)]
    wrong = []
    for http_method, path, fake, label in _fake_rows():
        method = "GET" if http_method == "-" else http_method
        named = [r for r in routes if r.path == fake and method in (r.methods or ())]
        picked = fake if path == ":uri" else _first_match(routes, method, _sample(path))
        if not named or picked != fake:
            wrong.append(f"{label}: {path} -> {picked}, column says {fake}")
    assert not wrong, "\n".join(wrong)


def test_the_fake_route_check_can_fail() -> None:
    routes = [r for r in collect_routes() if isinstance(r, Route)]
    assert _first_match(routes, "PUT", "/v1/devices/x1y2/unprotect") is not None
    assert _first_match(routes, "PATCH", "/v1/devices/x1y2/unprotect") is None
    assert _first_match(routes, "GET", "/v1/no/such/thing") is None
