"""The suite's layout: one API test module and one round-trip module per resource module,
and one definition of each shared helper.

`tests/api/test_<area>.py` (respx: what each call sends and how it reads the answer) and
`tests/integration/test_rt_<area>.py` (round trips against the fake cloud) exist for every
`particle_async/resources/<area>.py`, and for nothing else but the listed exceptions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
AREAS = sorted(
    p.stem
    for p in (ROOT / "particle_async" / "resources").glob("*.py")
    if not p.stem.startswith("_")
)

# Modules that are not about one resource, and why.
API_EXCEPTIONS = {
    "test_idempotency_decisions.py": "every resource's retry-once decisions, side by side",
}
INTEGRATION_EXCEPTIONS = {
    "test_sdk_on_fake_cloud.py": "what no one area owns: a bad token, retries, the limiter",
    "test_record_replay.py": "the CLI's recorder and the fake's replay, end to end",
}

# The shared helpers of tests/helpers.py, defined nowhere else.
HELPERS = {
    "FakeClock",
    "Progress",
    "anonymous",
    "body_of",
    "device",
    "form_of",
    "json_of",
    "parse_multipart",
    "query_of",
    "sdk",
    "sent",
}
HELPER_HOME = TESTS / "helpers.py"
# `anyio_backend` lives in a directory's conftest.py; these modules differ from their
# directory (or are other suites, left as they are).
BACKEND_EXCEPTIONS = {
    "tests/unit/test_ratelimit.py": "the one module of tests/unit on both backends",
    "tests/webhooks/test_end_to_end.py": "tests/webhooks mixes backends per module",
    "tests/webhooks/test_hook_events.py": "tests/webhooks mixes backends per module",
    "tests/webhooks/test_receiver.py": "tests/webhooks mixes backends per module",
    "examples/webhook_backend/test_app.py": "that example's only test module",
}


def test_resources_are_found() -> None:
    assert "devices" in AREAS
    assert "events" in AREAS
    assert len(AREAS) >= 26


@pytest.mark.parametrize("area", AREAS)
def test_every_resource_has_an_api_and_a_round_trip_module(area: str) -> None:
    assert (TESTS / "api" / f"test_{area}.py").is_file()
    assert (TESTS / "integration" / f"test_rt_{area}.py").is_file()


def test_no_api_module_without_a_resource() -> None:
    names = {p.name for p in (TESTS / "api").glob("test_*.py")}
    expected = {f"test_{area}.py" for area in AREAS} | set(API_EXCEPTIONS)
    assert names == expected


def test_no_round_trip_module_without_a_resource() -> None:
    names = {p.name for p in (TESTS / "integration").glob("test_*.py")}
    expected = {f"test_rt_{area}.py" for area in AREAS} | set(INTEGRATION_EXCEPTIONS)
    assert names == expected


def _modules() -> list[Path]:
    return sorted([*TESTS.rglob("*.py"), *(ROOT / "examples").rglob("*.py")])


def _top_level(path: Path) -> list[ast.stmt]:
    return ast.parse(path.read_text(encoding="utf-8")).body


def _defines(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    return None


def test_shared_helpers_are_defined_once() -> None:
    copies = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules()
        if path != HELPER_HOME
        for name in map(_defines, _top_level(path))
        if name in HELPERS
    ]
    assert copies == []


def test_anyio_backend_is_chosen_per_directory() -> None:
    elsewhere = {
        str(path.relative_to(ROOT))
        for path in _modules()
        if path.name != "conftest.py"
        and any(_defines(node) == "anyio_backend" for node in _top_level(path))
    }
    assert elsewhere == set(BACKEND_EXCEPTIONS)
