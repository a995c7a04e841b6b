"""Firmware libraries, in the JSON:API format of the libraries service.

One library is `{data: {type: "libraries", id, links: {download}, attributes}}`, a list
`{data: [...]}` paged by `page`/`limit` (max 100) with no metadata, and errors are
`{errors: [{message}]}`. This module holds the state, the reads and the archive host
(`links.download` serves the contributed `.tar.gz`, no token needed, as the real archive
host does); contributing, publishing and deleting are in `build_library_uploads`. A few
official public libraries exist from the start.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .._state import utcnow
from .._wire import ApiError, Ctx, api, as_int, json_response, services_of

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
PARTICLE = "particle"  # the owner of the built-in official libraries
SCOPES = ("all", "official", "verified", "featured", "public", "mine", "private")


def lib_error(status: int, message: str) -> ApiError:
    """The libraries service's error shape."""
    return ApiError(status, {"errors": [{"message": message}]})


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


@dataclass
class LibraryVersion:
    version: str
    attributes: dict[str, Any]  # from library.properties
    archive: bytes
    visibility: str = "private"
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class Library:
    name: str
    owner: str
    versions: list[LibraryVersion] = field(default_factory=list)  # oldest first
    official: bool = False
    verified: bool = False
    installs: int = 0

    def visible(self, username: str) -> list[LibraryVersion]:
        """The versions `username` may see: all of their own, the public ones otherwise."""
        if username == self.owner:
            return list(self.versions)
        return [v for v in self.versions if v.visibility == "public"]

    @property
    def public(self) -> bool:
        return any(v.visibility == "public" for v in self.versions)


def _builtin(name: str, version: str, author: str, sentence: str, installs: int) -> Library:
    attributes = {
        "name": name,
        "version": version,
        "author": author,
        "sentence": sentence,
        "license": "MIT",
        "url": f"https://github.com/particle-iot/{name}",
        "repository": f"https://github.com/particle-iot/{name}.git",
        "architectures": [],
        "category": "Other",
    }
    archive = make_archive(attributes)
    release = LibraryVersion(version, attributes, archive, visibility="public")
    return Library(name, PARTICLE, [release], official=True, verified=True, installs=installs)


def make_archive(attributes: dict[str, Any]) -> bytes:
    """A library `.tar.gz` holding `library.properties` for `attributes`."""
    lines = []
    for key, value in attributes.items():
        text = ",".join(value) if isinstance(value, list) else str(value)
        lines.append(f"{key}={text}")
    data = ("\n".join(lines) + "\n").encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("library.properties")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@dataclass
class LibrariesState:
    libraries: dict[str, Library] = field(default_factory=dict)  # by lower-cased name

    def __post_init__(self) -> None:
        for lib in (
            _builtin("neopixel", "1.0.5", "Adafruit, Technobly", "NeoPixel LED strips", 9125),
            _builtin("InternetButton", "0.1.11", "Richard Whitney", "The Internet Button", 7660),
            _builtin("OneWire", "2.0.4", "Paul Stoffregen", "OneWire bus devices", 5120),
        ):
            self.libraries[lib.name.lower()] = lib


def store(ctx: Ctx) -> LibrariesState:
    return ctx.state.area(LibrariesState)


# -- views -------------------------------------------------------------------------------


def resource(request: Request, lib: Library, release: LibraryVersion, username: str) -> Any:
    base = str(request.base_url).rstrip("/")
    attributes = {
        **release.attributes,
        "name": lib.name,
        "version": release.version,
        "installs": lib.installs,
        "visibility": release.visibility,
        "official": lib.official,
        "verified": lib.verified,
        "mine": lib.owner == username,
    }
    return {
        "type": "libraries",
        "id": lib.name,
        "links": {"download": f"{base}/libraries/{lib.name}/{lib.name}-{release.version}.tar.gz"},
        "attributes": attributes,
    }


def find(ctx: Ctx, name: str) -> tuple[Library, list[LibraryVersion]]:
    """A library and the versions the caller may see; 404 when they may see none."""
    with ctx.state.lock:
        lib = store(ctx).libraries.get(name.lower())
        visible = lib.visible(ctx.user.username) if lib else []
    if lib is None or not visible:
        raise lib_error(404, f"Library {name} not found")
    return lib, visible


def _scoped(versions: list[LibraryVersion], scope: str | None) -> list[LibraryVersion]:
    if scope == "public":
        return [v for v in versions if v.visibility == "public"]
    if scope == "private":
        return [v for v in versions if v.visibility == "private"]
    return versions


def _paged(ctx: Ctx, items: list[Any]) -> list[Any]:
    page = as_int(ctx.query("page") or 1, "page", minimum=1)
    limit = min(as_int(ctx.query("limit") or DEFAULT_LIMIT, "limit", minimum=1), MAX_LIMIT)
    return items[(page - 1) * limit : page * limit]


# -- listing -----------------------------------------------------------------------------


def in_scope(lib: Library, scope: str, username: str) -> bool:
    mine = lib.owner == username
    return {
        "all": True,
        "official": lib.official,
        "verified": lib.verified,
        "featured": lib.official,
        "public": lib.public,
        "mine": mine and lib.public,
        "private": mine and not lib.public,
    }[scope]


SORT_KEYS: dict[str, Callable[[Library], Any]] = {
    "name": lambda lib: lib.name.lower(),
    "installs": lambda lib: lib.installs,
    "popularity": lambda lib: lib.installs,
    "published": lambda lib: lib.versions[0].created_at,
    "created": lambda lib: lib.versions[0].created_at,
    "updated": lambda lib: lib.versions[-1].created_at,
    "official": lambda lib: lib.official,
    "verified": lambda lib: lib.verified,
}


async def list_libraries(ctx: Ctx) -> Response:
    """`filter` (partial name), `scope`, `excludeScopes`, `architectures`, `category`,
    `sort` (`-` for descending), `page`, `limit`."""
    user = ctx.user.username
    scope = ctx.query("scope") or "all"
    excluded = [s for s in (ctx.query("excludeScopes") or "").split(",") if s]
    for name in (scope, *excluded):
        if name not in SCOPES:
            raise lib_error(400, f"Unknown scope {name}")
    architectures = {a for a in (ctx.query("architectures") or "").split(",") if a}
    text, category = (ctx.query("filter") or "").lower(), ctx.query("category")
    with ctx.state.lock:
        chosen = [
            (lib, lib.visible(user)[-1])
            for lib in store(ctx).libraries.values()
            if lib.visible(user)
            and in_scope(lib, scope, user)
            and not any(in_scope(lib, s, user) for s in excluded)
            and text in lib.name.lower()
        ]
    if category:
        chosen = [(lib, v) for lib, v in chosen if v.attributes.get("category") == category]
    if architectures:
        chosen = [
            (lib, v)
            for lib, v in chosen
            if not v.attributes.get("architectures")
            or architectures & set(v.attributes["architectures"])
        ]
    sort = ctx.query("sort") or "name"
    key = SORT_KEYS.get(sort.lstrip("-"))
    if key is None:
        raise lib_error(400, f"Unknown sort order {sort}")
    chosen.sort(key=lambda pair: (key(pair[0]), pair[0].name.lower()))
    if sort.startswith("-"):
        chosen.reverse()
    data = [resource(ctx.request, lib, v, user) for lib, v in _paged(ctx, chosen)]
    return json_response({"data": data})


async def get_library(ctx: Ctx) -> Response:
    """The latest visible version, or `version`; `scope` public/private narrows it."""
    lib, visible = find(ctx, ctx.path("name"))
    versions = _scoped(visible, ctx.query("scope"))
    wanted = ctx.query("version")
    if wanted and wanted != "latest":
        versions = [v for v in versions if v.version == wanted]
    if not versions:
        raise lib_error(404, f"Library {lib.name} has no such version")
    return json_response({"data": resource(ctx.request, lib, versions[-1], ctx.user.username)})


async def list_versions(ctx: Ctx) -> Response:
    """Every visible version, oldest first, paged like the listing."""
    lib, visible = find(ctx, ctx.path("name"))
    versions = _paged(ctx, _scoped(visible, ctx.query("scope")))
    return json_response(
        {"data": [resource(ctx.request, lib, v, ctx.user.username) for v in versions]}
    )


# -- the archive host ------------------------------------------------------------------


async def download_archive(request: Request) -> Response:
    """The archive host: `/libraries/:name/:name-:version.tar.gz`, no token."""
    state = services_of(request).state
    name, filename = request.path_params["name"], request.path_params["filename"]
    with state.lock:
        lib = state.area(LibrariesState).libraries.get(name.lower())
        versions = lib.versions if lib is not None else []
        release = next((v for v in versions if f"{name}-{v.version}.tar.gz" == filename), None)
    if release is None:
        return JSONResponse({"errors": [{"message": "Not found"}]}, status_code=404)
    return Response(release.archive, media_type="application/gzip")


routes: list[Route] = [
    api("/v1/libraries", list_libraries, "GET"),
    api("/v1/libraries/{name}", get_library, "GET"),
    api("/v1/libraries/{name}/versions", list_versions, "GET"),
    Route("/libraries/{name}/{filename}", download_archive, methods=["GET"]),
]
