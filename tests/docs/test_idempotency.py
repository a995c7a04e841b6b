"""Every PUT and DELETE a resource sends says whether it may be re-sent.

`Transport.request` still guesses from the method when `idempotent=` is left out, and a
guess is wrong for a PUT that pings, signals, flashes or moves something. This scans the
resource modules' source (AST), so a new call site that forgets to decide fails here.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

RESOURCES = pathlib.Path(__file__).resolve().parents[2] / "particle_async" / "resources"
DECIDED_METHODS = {"PUT", "DELETE"}


def _method_of(call: ast.Call) -> str | None:
    """The HTTP method literal of a `request(...)` call, or None when it is computed."""
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value.upper()
    return None


def _is_request(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "request"


def _declares(call: ast.Call) -> bool:
    """An explicit `idempotent=` that is not the literal None (which means "guess")."""
    for keyword in call.keywords:
        if keyword.arg == "idempotent":
            value = keyword.value
            return not (isinstance(value, ast.Constant) and value.value is None)
    return False


def call_sites() -> list[tuple[str, int, str | None, bool]]:
    """(file, line, method or None, declares) for every `*.request(...)` in resources/."""
    found = []
    for source in sorted(RESOURCES.glob("*.py")):
        tree = ast.parse(source.read_text(), filename=str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_request(node):
                found.append((source.name, node.lineno, _method_of(node), _declares(node)))
    return found


def test_the_scan_finds_the_call_sites() -> None:
    """Guards the scanner itself: if it found nothing, the next test could not fail."""
    sites = call_sites()
    assert len([s for s in sites if s[2] in DECIDED_METHODS]) >= 40
    assert any(s[2] == "GET" for s in sites)


def test_every_put_and_delete_declares_idempotency() -> None:
    undecided = [
        f"{name}:{line} {method or '<computed method>'}"
        for name, line, method, declares in call_sites()
        if (method is None or method in DECIDED_METHODS) and not declares
    ]
    assert not undecided, "pass idempotent=True/False explicitly:\n" + "\n".join(undecided)


@pytest.mark.parametrize(
    ("snippet", "declares"),
    [
        ('t.request("PUT", "/x", idempotent=True)', True),
        ('t.request("DELETE", "/x", idempotent=not flashes)', True),
        ('t.request("PUT", "/x")', False),
        ('t.request("PUT", "/x", idempotent=None)', False),
    ],
)
def test_declares_reads_the_keyword(snippet: str, declares: bool) -> None:
    call = ast.parse(snippet, mode="eval").body
    assert isinstance(call, ast.Call)
    assert _declares(call) is declares
