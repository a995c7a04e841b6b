"""The fake's module structure: no import circle among its modules (function-level
imports included), and the wire emulation does not depend on the test controls."""

from __future__ import annotations

import ast
import pathlib

import particle_async.testing as testing

PACKAGE = pathlib.Path(testing.__file__).parent


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__") or "__init__"


def _imports(path: pathlib.Path) -> set[str]:
    """Modules of this package that `path` imports, anywhere in the file."""
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    if package == ["__init__"]:
        package = []
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        target = [*base, *(node.module.split(".") if node.module else [])]
        if node.module:
            found.add(".".join(target) or "__init__")
        else:  # `from . import devices`
            found.update(".".join([*target, alias.name]) for alias in node.names)
    return {name for name in found if (PACKAGE / (name.replace(".", "/") + ".py")).exists()}


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> list[str] | None:
        if node in trail:
            return [*trail[trail.index(node) :], node]
        if node in done:
            return None
        for dep in sorted(graph.get(node, ())):
            found = visit(dep, [*trail, node])
            if found:
                return found
        done.add(node)
        return None

    return next((c for n in sorted(graph) if (c := visit(n, [])) is not None), None)


def test_the_checker_sees_relative_imports() -> None:
    graph = _graph()
    assert "_shared" in graph["routes.devices"]
    assert "routes.build_firmware" in graph["routes.devices"]  # `from . import build_firmware`


def test_no_import_circle_among_the_fakes_modules() -> None:
    assert _cycle(_graph()) is None


def test_the_checker_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_wire_emulation_does_not_depend_on_the_test_controls() -> None:
    graph = _graph()
    assert "_controls" not in graph["_wire"]
    assert "_controls" not in graph["_shared"]
    routes = [name for name in graph if name.startswith("routes.")]
    assert all("_controls" not in graph[r] and "_app" not in graph[r] for r in routes)
