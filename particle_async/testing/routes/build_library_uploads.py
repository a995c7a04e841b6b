"""Firmware libraries, the write side: contributing a `.tar.gz` (its `library.properties`
gives the name, version and attributes; it becomes a private version), publishing the
latest private version, deleting a library. The read side and the state are in
`build_libraries`; errors use the libraries service's `{errors: [{message}]}` shape.
"""

from __future__ import annotations

import io
import re
import tarfile
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import read_multipart
from .._wire import Ctx, api, json_response
from .build_libraries import Library, LibraryVersion, find, lib_error, resource, store, version_key

VERSION = re.compile(r"^\d+(\.\d+){0,2}$")


def read_properties(archive: bytes) -> dict[str, Any]:
    """`library.properties` (at the root or one folder down) of a `.tar.gz`."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            member = next(
                (
                    m
                    for m in tar.getmembers()
                    if m.isfile()
                    and m.name.lstrip("./").count("/") <= 1
                    and m.name.endswith("library.properties")
                ),
                None,
            )
            extracted = tar.extractfile(member) if member is not None else None
            text = extracted.read().decode("utf-8", "replace") if extracted else None
    except (tarfile.TarError, OSError, EOFError):
        raise lib_error(400, "The archive is not a valid tar.gz file") from None
    if text is None:
        raise lib_error(400, "library.properties is missing from the archive")
    properties: dict[str, Any] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.strip().startswith("#"):
            properties[key.strip()] = value.strip()
    architectures = properties.get("architectures", "")
    properties["architectures"] = [a.strip() for a in architectures.split(",") if a.strip()]
    return properties


def validate(properties: dict[str, Any], existing: Library | None) -> tuple[str, str]:
    name, version = str(properties.get("name", "")), str(properties.get("version", ""))
    if not re.match(r"^[A-Za-z0-9_.-]+$", name):
        raise lib_error(400, "library.properties must give a name (letters, digits, _ . -)")
    if not VERSION.match(version):
        raise lib_error(400, f"This version is not valid: {version!r}")
    if existing is not None and existing.versions:
        latest = existing.versions[-1]
        floor = version_key(latest.version)
        reusable = latest.visibility == "private"  # a private version may be replaced
        if version_key(version) < floor or (version_key(version) == floor and not reusable):
            relation = "greater than or equal to" if reusable else "greater than"
            raise lib_error(
                400, f"This version is not valid. Version must be {relation} {latest.version}"
            )
    return name, version


async def contribute(ctx: Ctx) -> Response:
    """Multipart part `archive` (the docs) or `file` (the SDKs): 201 with the new
    private version. `POST /v1/libraries/:name` checks the archive's name matches."""
    _, uploads = await read_multipart(ctx.request)
    upload = next((u for u in uploads if u.field in ("archive", "file")), None)
    if upload is None:
        raise lib_error(400, "Missing library archive (multipart part `archive`)")
    properties = read_properties(upload.content)
    expected = ctx.request.path_params.get("name")
    with ctx.state.lock:
        libraries = store(ctx).libraries
        existing = libraries.get(str(properties.get("name", "")).lower())
        if existing is not None and existing.owner != ctx.user.username:
            raise lib_error(403, f"Library {existing.name} belongs to another account")
        name, version = validate(properties, existing)
        if expected is not None and expected.lower() != name.lower():
            raise lib_error(400, f"The archive holds library {name}, not {expected}")
        lib = existing or Library(name, ctx.user.username)
        libraries[name.lower()] = lib
        if lib.versions and lib.versions[-1].version == version:
            lib.versions.pop()
        release = LibraryVersion(version, properties, upload.content)
        lib.versions.append(release)
    return json_response({"data": resource(ctx.request, lib, release, ctx.user.username)}, 201)


def owned(ctx: Ctx) -> Library:
    lib, _ = find(ctx, ctx.path("name"))
    if lib.owner != ctx.user.username:
        raise lib_error(403, f"Library {lib.name} belongs to another account")
    return lib


async def publish(ctx: Ctx) -> Response:
    """`visibility=public` makes the latest private version public."""
    if ctx.param("visibility") != "public":
        raise lib_error(400, "Set visibility to public to publish a library")
    lib = owned(ctx)
    with ctx.state.lock:
        release = lib.versions[-1]
        if release.visibility == "public":
            raise lib_error(400, f"Library {lib.name} has no private version to publish")
        release.visibility = "public"
    return json_response({"data": resource(ctx.request, lib, release, ctx.user.username)})


async def delete_library(ctx: Ctx) -> Response:
    """The owner deletes a private library; a public one needs `force` (JSON body)."""
    lib = owned(ctx)
    if lib.public and not ctx.param("force"):
        raise lib_error(400, f"Library {lib.name} is public: deleting it needs force")
    with ctx.state.lock:
        store(ctx).libraries.pop(lib.name.lower(), None)
    return Response(status_code=204)


routes: list[Route] = [
    api("/v1/libraries", contribute, "POST"),
    api("/v1/libraries/{name}", contribute, "POST"),
    api("/v1/libraries/{name}", publish, "PATCH"),
    api("/v1/libraries/{name}", delete_library, "DELETE"),
]
