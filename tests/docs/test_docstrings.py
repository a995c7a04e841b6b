"""Every public name has a docstring, every model field is documented, and every method
that performs an endpoint names it: the API reference site is built from these, so a
missing one is a hole in the docs. Each test lists everything it found missing."""

from __future__ import annotations

import csv
import enum
import functools
import importlib
import inspect
import pathlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import attrs

import particle_async
import particle_async.models
import particle_async.resources
import particle_async.streaming
import particle_async.testing
from particle_async import Particle

ROOT = pathlib.Path(__file__).resolve().parents[2]
PUBLIC_MODULES = [
    particle_async,
    particle_async.models,
    particle_async.streaming,
    particle_async.testing,
]


def resource_modules() -> list[Any]:
    names = pkgutil.iter_modules(particle_async.resources.__path__)
    return [
        importlib.import_module(f"particle_async.resources.{m.name}")
        for m in names
        if not m.name.startswith("_")
    ]


def public_names() -> Iterator[tuple[str, Any]]:
    """(qualified name, object) for every name in a public `__all__`."""
    for module in [*PUBLIC_MODULES, *resource_modules()]:
        for name in module.__all__:
            yield f"{module.__name__}.{name}", getattr(module, name)


def _function_of(member: Any) -> Any:
    """The function behind a method, property, cached_property, static or class method."""
    if isinstance(member, (staticmethod, classmethod)):
        return member.__func__
    if isinstance(member, property):
        return member.fget
    if isinstance(member, functools.cached_property):
        return member.func
    return member


def own_methods(cls: type) -> Iterator[tuple[str, Any]]:
    """The public methods and properties a class defines itself (not inherited ones)."""
    for name, member in vars(cls).items():
        function = _function_of(member)
        if not name.startswith("_") and inspect.isfunction(function):
            yield name, function


def _has_doc(obj: Any) -> bool:
    return bool((getattr(obj, "__doc__", None) or "").strip())


def undocumented() -> list[str]:
    missing = []
    for qualname, obj in public_names():
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # constants and type aliases are documented in their module
        if not _has_doc(obj):
            missing.append(qualname)
        if inspect.isclass(obj) and not issubclass(obj, enum.Enum):
            missing += [f"{qualname}.{n}" for n, f in own_methods(obj) if not _has_doc(f)]
    return sorted(set(missing))


def test_the_walk_sees_the_api() -> None:
    """Guards the walker: it must reach resources, models, streaming and testing names."""
    names = {q for q, _ in public_names()}
    assert "particle_async.resources.devices.Devices" in names
    assert "particle_async.models.Device" in names
    assert "particle_async.streaming.EventHub" in names
    assert "particle_async.testing.FakeCloud" in names
    methods = dict(own_methods(particle_async.resources.devices.Devices))
    assert "call_function" in methods
    assert "devices" in dict(own_methods(Particle))  # cached properties count


def test_every_public_name_has_a_docstring() -> None:
    missing = undocumented()
    assert not missing, f"{len(missing)} public names lack a docstring:\n" + "\n".join(missing)


_ATTRIBUTES = re.compile(r"^\s*Attributes:\s*$", re.MULTILINE)
_ENTRY = re.compile(r"^\s{4}(\w+)(?:\s*\([^)]*\))?:\s+\S", re.MULTILINE)


def documented_fields(cls: type) -> set[str]:
    """Names listed in the class docstring's Google-style `Attributes:` section."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    match = _ATTRIBUTES.search(doc)
    if match is None:
        return set()
    section = doc[match.end() :]
    end = re.search(r"^\S", section, re.MULTILINE)  # the next unindented line ends it
    return set(_ENTRY.findall(section[: end.start()] if end else section))


def attrs_classes() -> dict[str, type]:
    """The public attrs classes: every model, and the option, stats and page types."""
    found: dict[str, type] = {}
    for module in (particle_async, particle_async.models, particle_async.streaming):
        for name in module.__all__:
            cls = getattr(module, name)
            if inspect.isclass(cls) and attrs.has(cls):
                found[name] = cls
    return found


def test_every_model_field_is_documented() -> None:
    classes = attrs_classes()
    assert {"Device", "Event", "RetryPolicy", "StreamOptions", "Page"} <= set(classes)
    problems = []
    for name, cls in classes.items():
        fields = {f.name for f in attrs.fields(cls) if f.name != "raw"}
        listed = documented_fields(cls)
        problems += [f"{name}.{f}: not in Attributes" for f in sorted(fields - listed)]
        problems += [f"{name}.{f}: documented but no such field" for f in sorted(listed - fields)]
    assert not problems, f"{len(problems)} model field docs missing or stale:\n" + "\n".join(
        problems
    )


def test_documented_fields_reads_the_section() -> None:
    class Sample:
        """Summary.

        Attributes:
            alpha: the first.
            beta (int): the second,
                continued.

        Notes:
            gamma: not a field.
        """

    assert documented_fields(Sample) == {"alpha", "beta"}


def coverage_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for tsv in sorted((ROOT / "docs" / "coverage").glob("*.tsv")):
        with tsv.open(newline="") as handle:
            rows.extend(csv.DictReader(handle, delimiter="\t"))
    return rows


def test_every_endpoint_method_names_its_endpoint() -> None:
    """`cloud.devices.get` says `GET /v1/devices/:deviceId`, as docs/API_COVERAGE.md maps it."""
    cloud = Particle(token="t" * 40, base_url="http://127.0.0.1:9")
    missing = []
    rows = coverage_rows()
    assert len(rows) >= 170
    for row in rows:
        target: Any = cloud
        for part in row["python"].split("."):
            target = getattr(target, part)
        first = row["path"].split(" | ")[0].strip()
        if f"{row['http_method']} {first}" not in (target.__doc__ or ""):
            missing.append(f"cloud.{row['python']}: {row['http_method']} {first}")
    assert not missing, f"{len(missing)} methods do not name their endpoint:\n" + "\n".join(missing)
