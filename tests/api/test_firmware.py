"""`cloud.firmware`: compiles (multipart), binaries, flashing, build targets."""

from __future__ import annotations

import io
import pathlib
from datetime import datetime, timezone

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.firmware import BuildTargets, CompileResult, FlashResult

from ..helpers import BASE, TOKEN, Progress, assert_progress_complete, fields, parse_multipart

pytestmark = pytest.mark.anyio


BINARY = bytes(range(256)) * 300  # 76.8 kB with NULs: looks like a compiled binary
SOURCE = b"void setup() {}\nvoid loop() {}\n"


# --- compile -------------------------------------------------------------------------------


async def test_compile_sends_files_as_file_file2_with_latest(
    cloud: Particle, router: respx.Router, tmp_path: pathlib.Path
) -> None:
    main = tmp_path / "main.ino"
    main.write_bytes(SOURCE)
    route = router.post("/v1/binaries").respond(
        json={
            "ok": True,
            "binary_id": "b1",
            "binary_url": "/v1/binaries/b1",
            "expires_at": "2026-01-02T03:04:05.000Z",
            "sizeInfo": "text data bss",
        }
    )
    result = await cloud.firmware.compile(
        {"main.ino": main, "lib/helper.h": b"#pragma once\n"}, platform_id=32
    )
    request = route.calls.last.request
    assert request.method == "POST"
    parts = parse_multipart(request)
    assert parts["file"] == ("main.ino", "application/octet-stream", SOURCE)
    assert parts["file2"] == ("lib/helper.h", "application/octet-stream", b"#pragma once\n")
    assert fields(request) == {"platform_id": "32", "latest": "true"}
    assert isinstance(result, CompileResult)
    assert result.binary_id == "b1"
    assert result.binary_url == "/v1/binaries/b1"
    assert result.expires_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert result.size_info == "text data bss"


async def test_compile_with_target_version_list_of_paths_and_progress(
    cloud: Particle, router: respx.Router, tmp_path: pathlib.Path
) -> None:
    a, b = tmp_path / "a.cpp", tmp_path / "b.cpp"
    a.write_bytes(b"int a;")
    b.write_bytes(b"int b;")
    route = router.post("/v1/binaries").respond(json={"ok": True, "binary_id": "b2"})
    progress = Progress()
    await cloud.firmware.compile(
        [str(a), b], target_version="6.1.0", product_id=1234, progress=progress
    )
    request = route.calls.last.request
    parts = parse_multipart(request)
    assert parts["file"][0] == "a.cpp"
    assert parts["file2"][0] == "b.cpp"
    assert fields(request) == {"build_target_version": "6.1.0", "product_id": "1234"}
    assert_progress_complete(progress, request)


async def test_compile_failure_body_is_parsed(cloud: Particle, router: respx.Router) -> None:
    router.post("/v1/binaries").respond(
        json={"ok": False, "errors": ["app.ino:1: error"], "output": "make: ***"}
    )
    result = await cloud.firmware.compile(SOURCE)
    assert not result.ok
    assert result.errors == ("app.ino:1: error",)
    assert result.output == "make: ***"


async def test_compile_needs_files(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="no files"):
        await cloud.firmware.compile([])


async def test_download_binary_returns_bytes(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/binaries/b1").respond(
        content=BINARY, headers={"Content-Type": "application/octet-stream"}
    )
    data = await cloud.firmware.download_binary("b1")
    assert data == BINARY
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"


# --- flash ---------------------------------------------------------------------------------


async def test_flash_binary_from_real_file_with_progress(
    cloud: Particle, router: respx.Router, tmp_path: pathlib.Path
) -> None:
    firmware = tmp_path / "tinker.bin"
    firmware.write_bytes(BINARY)
    route = router.put("/v1/devices/dev1").respond(json={"id": "dev1", "status": "Update started"})
    progress = Progress()
    result = await cloud.firmware.flash_binary("dev1", firmware, progress=progress)
    request = route.calls.last.request
    assert request.method == "PUT"
    assert BINARY in request.content
    parts = parse_multipart(request)
    assert parts["file"] == ("tinker.bin", "application/octet-stream", BINARY)
    assert fields(request) == {"file_type": "binary", "latest": "true"}
    assert_progress_complete(progress, request)
    assert progress.calls[-1] == (len(request.content), len(request.content))
    assert isinstance(result, FlashResult)
    assert result.status == "Update started"


async def test_flash_sources_from_real_file_is_compiled(
    cloud: Particle, router: respx.Router, tmp_path: pathlib.Path
) -> None:
    source = tmp_path / "app.ino"
    source.write_bytes(SOURCE)
    route = router.put("/v1/devices/dev1").respond(json={"ok": True, "firmware_binary_id": "12"})
    progress = Progress()
    result = await cloud.firmware.flash("dev1", source, target_version="5.8.0", progress=progress)
    request = route.calls.last.request
    parts = parse_multipart(request)
    assert parts["file"] == ("app.ino", "application/octet-stream", SOURCE)
    assert fields(request) == {"build_target_version": "5.8.0"}  # no file_type: compile it
    assert_progress_complete(progress, request)
    assert result.ok
    assert result.firmware_binary_id == "12"


@pytest.mark.parametrize("product", [1234, "my-product-v1"])
async def test_flash_through_a_product_id_or_slug(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.put(f"/v1/products/{product}/devices/dev1").respond(json={"ok": True})
    await cloud.firmware.flash("dev1", BINARY, product=product)
    request = route.calls.last.request
    parts = parse_multipart(request)
    assert parts["file"] == ("firmware.bin", "application/octet-stream", BINARY)  # NULs: binary
    assert fields(request)["file_type"] == "binary"


async def test_flash_file_object_and_explicit_source(
    cloud: Particle, router: respx.Router, tmp_path: pathlib.Path
) -> None:
    route = router.put("/v1/devices/dev1").respond(json={"ok": True})
    path = tmp_path / "main.cpp"
    path.write_bytes(SOURCE)
    with path.open("rb") as handle:
        await cloud.firmware.flash("dev1", handle, binary=False)
    parts = parse_multipart(route.calls.last.request)
    assert parts["file"] == ("main.cpp", "application/octet-stream", SOURCE)
    assert "file_type" not in parts

    await cloud.firmware.flash("dev1", io.BytesIO(SOURCE))
    parts = parse_multipart(route.calls.last.request)
    assert parts["file"][0] == "application.cpp"  # an unnamed text source
    assert "file_type" not in parts


async def test_flash_is_never_resent_after_reaching_the_server(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.put("/v1/devices/dev1").respond(503, json={"error": "busy"})
    with pytest.raises(ServerError):
        await cloud.firmware.flash_binary("dev1", BINARY)
    assert route.call_count == 1


async def test_flash_is_resent_whole_after_429(cloud: Particle, router: respx.Router) -> None:
    route = router.put("/v1/devices/dev1").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}, json={"error": "slow down"}),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    assert (await cloud.firmware.flash_binary("dev1", BINARY)).ok
    assert route.call_count == 2
    for call in route.calls:
        assert parse_multipart(call.request)["file"][2] == BINARY


# --- build targets and Device OS versions ---------------------------------------------------

TARGETS = {
    "targets": [
        {
            "platforms": [12, 13],
            "prereleases": [],
            "firmware_vendor": "Particle",
            "version": "6.1.0",
        },
        {"platforms": [32], "prereleases": [32], "firmware_vendor": "Particle", "version": "6.2.0"},
    ],
    "platforms": {"Argon": 12, "Boron": 13, "P2": 32},
    "default_versions": {"12": "6.1.0"},
}


async def test_list_build_targets(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/build_targets").respond(json=TARGETS)
    targets = await cloud.firmware.list_build_targets()
    assert "featured" not in route.calls.last.request.url.params
    assert isinstance(targets, BuildTargets)
    assert [t.version for t in targets.targets] == ["6.1.0", "6.2.0"]
    assert targets.platforms["P2"] == 32
    assert [t.version for t in targets.for_platform(32)] == ["6.2.0"]

    await cloud.device_os.build_targets(featured=True)
    assert route.calls.last.request.url.params["featured"] == "true"


async def test_build_targets_need_no_token(
    router: respx.Router, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARTICLE_ACCESS_TOKEN", raising=False)
    route = router.get("/v1/build_targets").respond(json=TARGETS)
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    async with http, Particle(base_url=BASE, http_client=http, rate_limiter=None) as anonymous:
        targets = await anonymous.firmware.list_build_targets()
    assert "Authorization" not in route.calls.last.request.headers
    assert len(targets.targets) == 2
