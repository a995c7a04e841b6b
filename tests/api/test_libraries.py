"""`cloud.libraries`: JSON:API bodies, page/limit paging with no meta, multipart contribute."""

from __future__ import annotations

import json
import pathlib

import httpx
import pytest
import respx

from particle_async import BadRequestError, Particle
from particle_async.models.libraries import Library

from ..helpers import Progress, assert_progress_complete, parse_multipart

pytestmark = pytest.mark.anyio


def lib(name: str, version: str = "1.0.0", **attributes: object) -> dict[str, object]:
    return {
        "type": "libraries",
        "id": name,
        "links": {"download": f"https://example.test/{name}-{version}.tar.gz"},
        "attributes": {
            "name": name,
            "version": version,
            "author": "Someone",
            "sentence": "Does a thing",
            "architectures": ["particle-photon", "particle-argon"],
            "visibility": "public",
            "mine": False,
            **attributes,
        },
    }


async def test_list_one_page_with_every_filter(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/libraries").respond(json={"data": [lib("neopixel"), lib("onewire")]})
    page = await cloud.libraries.list(
        filter="pixel",
        sort="popularity",
        architectures=["argon", "boron"],
        category="Display",
        scope="official",
        exclude_scopes=["private", "mine"],
        page=2,
        limit=2,
    )
    assert dict(route.calls.last.request.url.params) == {
        "filter": "pixel",
        "sort": "popularity",
        "architectures": "argon,boron",
        "category": "Display",
        "scope": "official",
        "excludeScopes": "private,mine",
        "page": "2",
        "limit": "2",
    }
    assert page.page == 2
    assert not page.is_last  # a full page and no meta: there may be more
    first = page.items[0]
    assert isinstance(first, Library)
    assert first.id == "neopixel"
    assert first.name == "neopixel"
    assert first.version == "1.0.0"
    assert first.architectures == ("particle-photon", "particle-argon")
    assert first.download_url == "https://example.test/neopixel-1.0.0.tar.gz"
    assert first.is_public
    assert first.attributes["author"] == "Someone"


async def test_iter_walks_pages_until_a_short_one(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/libraries").mock(
        side_effect=[
            httpx.Response(200, json={"data": [lib("a"), lib("b")]}),
            httpx.Response(200, json={"data": [lib("c"), lib("d")]}),
            httpx.Response(200, json={"data": [lib("e")]}),
        ]
    )
    names = [
        x.name
        async for x in cloud.libraries.iter(scope="public", architectures=("argon",), limit=2)
    ]
    assert names == ["a", "b", "c", "d", "e"]
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"architectures": "argon", "scope": "public", "page": str(n), "limit": "2"}
        for n in (1, 2, 3)
    ]


async def test_iter_stops_on_an_empty_page(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/libraries").mock(
        side_effect=[
            httpx.Response(200, json={"data": [lib("a"), lib("b")]}),
            httpx.Response(200, json={"data": []}),
        ]
    )
    assert [x.name for x in await cloud.libraries.iter(limit=2).collect()] == ["a", "b"]
    assert route.call_count == 2


async def test_get_library_unwraps_data(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/libraries/neopixel").respond(json={"data": lib("neopixel", "1.2.3")})
    got = await cloud.libraries.get("neopixel", version="1.2.3")
    assert dict(route.calls.last.request.url.params) == {"version": "1.2.3"}
    assert got.version == "1.2.3"
    await cloud.libraries.get("neopixel")
    assert dict(route.calls.last.request.url.params) == {}


async def test_versions_page_and_iterate(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/libraries/neopixel/versions").mock(
        side_effect=[
            httpx.Response(200, json={"data": [lib("neopixel", "2.0.0")]}),
            httpx.Response(
                200, json={"data": [lib("neopixel", "2.0.0"), lib("neopixel", "1.0.0")]}
            ),
            httpx.Response(200, json={"data": [lib("neopixel", "0.9.0")]}),
        ]
    )
    page = await cloud.libraries.list_versions("neopixel", page=1, limit=5)
    assert dict(route.calls.last.request.url.params) == {"page": "1", "limit": "5"}
    assert page.is_last
    versions = [v.version async for v in cloud.libraries.iter_versions("neopixel", limit=2)]
    assert versions == ["2.0.0", "1.0.0", "0.9.0"]
    assert [c.request.url.params["page"] for c in route.calls[1:]] == ["1", "2"]


async def test_contribute_uploads_archive_tar_gz(
    cloud: Particle, router: respx.Router, tmp_path: pathlib.Path
) -> None:
    archive = tmp_path / "mylib-0.0.1.tar.gz"
    payload = b"\x1f\x8b" + bytes(range(256)) * 20
    archive.write_bytes(payload)
    route = router.post("/v1/libraries").respond(
        json={"data": lib("mylib", "0.0.1", visibility="private", mine=True)}
    )
    progress = Progress()
    contributed = await cloud.libraries.contribute(archive, progress=progress)
    request = route.calls.last.request
    assert payload in request.content
    assert parse_multipart(request) == {"file": ("archive.tar.gz", "application/gzip", payload)}
    assert_progress_complete(progress, request)
    assert contributed.visibility == "private"
    assert contributed.mine


async def test_contribute_errors_use_the_libraries_error_shape(
    cloud: Particle, router: respx.Router
) -> None:
    router.post("/v1/libraries").respond(
        400, json={"errors": [{"message": "This library name is already taken"}]}
    )
    with pytest.raises(BadRequestError) as caught:
        await cloud.libraries.contribute(b"\x1f\x8b")
    assert "already taken" in str(caught.value)


async def test_publish_patches_visibility_public(cloud: Particle, router: respx.Router) -> None:
    route = router.patch("/v1/libraries/mylib").respond(json={"data": lib("mylib")})
    published = await cloud.libraries.publish("mylib")
    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"visibility": "public"}
    assert published.is_public


async def test_delete_sends_force_in_a_json_body(cloud: Particle, router: respx.Router) -> None:
    route = router.delete("/v1/libraries/mylib").respond(json={"ok": True})
    assert await cloud.libraries.delete("mylib", force="secret-key") is True
    assert json.loads(route.calls.last.request.content) == {"force": "secret-key"}
    route.respond(204)
    assert await cloud.libraries.delete("mylib") is True
    assert route.calls.last.request.content == b""
