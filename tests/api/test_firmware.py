"""`cloud.firmware`, `cloud.product_firmware`, `cloud.device_os`: multipart, bytes, paging."""

from __future__ import annotations

import io
import json
import pathlib
import re
from datetime import datetime, timezone

import httpx
import pytest
import respx

from particle_async import Particle, ServerError
from particle_async.models.firmware import (
    BuildTargets,
    CompileResult,
    DeviceOsVersion,
    FirmwareRelease,
    FlashResult,
    ProductFirmwareVersion,
)

from ..helpers import BASE, TOKEN

pytestmark = pytest.mark.anyio

Part = tuple[str | None, str | None, bytes]


def parse_multipart(request: httpx.Request) -> dict[str, Part]:
    """The parts of a multipart/form-data body: name -> (filename, content type, bytes)."""
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=", 1)[1].encode()
    parts: dict[str, Part] = {}
    for chunk in request.content.split(b"--" + boundary)[1:-1]:
        head, _, body = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        disposition = headers["Content-Disposition"]
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        assert name is not None
        parts[name.group(1)] = (
            filename.group(1) if filename else None,
            headers.get("Content-Type"),
            body.removesuffix(b"\r\n"),
        )
    return parts


def fields(request: httpx.Request) -> dict[str, str]:
    """The plain (non-file) fields of a multipart body."""
    return {k: v[2].decode() for k, v in parse_multipart(request).items() if v[0] is None}


def json_of(request: httpx.Request) -> object:
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


BINARY = bytes(range(256)) * 300  # 76.8 kB with NULs: looks like a compiled binary
SOURCE = b"void setup() {}\nvoid loop() {}\n"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, sent: int, total: int) -> None:
        self.calls.append((sent, total))


def assert_progress_complete(progress: Recorder, request: httpx.Request) -> None:
    total = len(request.content)
    assert progress.calls[0] == (0, total)
    assert progress.calls[-1] == (total, total)
    assert [s for s, _ in progress.calls] == sorted(s for s, _ in progress.calls)


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
    progress = Recorder()
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
    progress = Recorder()
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
    progress = Recorder()
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


async def test_device_os_versions_page_and_iterate(cloud: Particle, router: respx.Router) -> None:
    def version(n: int) -> dict[str, object]:
        return {"version": f"6.{n}.0", "platform_id": 32, "module_version": 6000 + n}

    route = router.get("/v1/device-os/versions").mock(
        side_effect=[
            httpx.Response(200, json=[version(0), version(1)]),
            httpx.Response(200, json=[version(2)]),
        ]
    )
    versions = [v.version async for v in cloud.device_os.iter(platform_id=32, per_page=2)]
    assert versions == ["6.0.0", "6.1.0", "6.2.0"]
    sent = [dict(call.request.url.params) for call in route.calls]
    assert sent == [
        {"platform_id": "32", "page": "1", "per_page": "2"},
        {"platform_id": "32", "page": "2", "per_page": "2"},
    ]


async def test_device_os_list_one_page(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/device-os/versions").respond(
        json=[{"version": "6.2.0", "platform_id": 12, "release_date": "2025-01-01T00:00:00Z"}]
    )
    page = await cloud.device_os.list(internal_version=6200, page=3, per_page=10)
    assert dict(route.calls.last.request.url.params) == {
        "internal_version": "6200",
        "page": "3",
        "per_page": "10",
    }
    assert page.page == 3
    assert page.is_last
    assert isinstance(page.items[0], DeviceOsVersion)
    assert page.items[0].release_date == datetime(2025, 1, 1, tzinfo=timezone.utc)


async def test_device_os_get(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/device-os/versions/6.2.0").respond(
        json={"version": "6.2.0", "platform_id": 32}
    )
    got = await cloud.device_os.get("6.2.0", platform_id=32)
    assert route.calls.last.request.url.params["platform_id"] == "32"
    assert got.version == "6.2.0"
    assert got.platform_id == 32
    await cloud.device_os.get("6.2.0")
    assert "platform_id" not in route.calls.last.request.url.params


# --- product firmware ----------------------------------------------------------------------

FIRMWARE = {
    "version": 3,
    "title": "v3",
    "description": "fixes",
    "size": 1024,
    "device_count": 7,
    "current": True,
    "uploaded_on": "2025-05-01T12:00:00Z",
}


@pytest.mark.parametrize("product", [1234, "my-product-v1"])
async def test_upload_product_firmware_real_file_with_progress(
    cloud: Particle, router: respx.Router, tmp_path: pathlib.Path, product: int | str
) -> None:
    binary = tmp_path / "out.bin"
    binary.write_bytes(BINARY)
    route = router.post(f"/v1/products/{product}/firmware").respond(json=FIRMWARE)
    progress = Recorder()
    fw = await cloud.product_firmware.upload(
        product, binary, version=3, title="v3", description="fixes", progress=progress
    )
    request = route.calls.last.request
    assert BINARY in request.content
    parts = parse_multipart(request)
    assert parts["file"] == ("firmware.bin", "application/octet-stream", BINARY)
    assert fields(request) == {"version": "3", "title": "v3", "description": "fixes"}
    assert_progress_complete(progress, request)
    assert isinstance(fw, ProductFirmwareVersion)
    assert fw.version == 3
    assert fw.current
    assert fw.uploaded_on == datetime(2025, 5, 1, 12, tzinfo=timezone.utc)


async def test_upload_zip_bundle_says_application_zip(
    cloud: Particle, router: respx.Router
) -> None:
    bundle = b"PK\x03\x04" + b"\x00" * 64
    route = router.post("/v1/products/1234/firmware").respond(json=FIRMWARE)
    await cloud.product_firmware.upload(1234, bundle, version=4, title="t", mandatory=True)
    request = route.calls.last.request
    parts = parse_multipart(request)
    assert parts["file"] == ("firmware.zip", "application/zip", bundle)
    assert fields(request) == {"version": "4", "title": "t", "mandatory": "true"}


async def test_list_get_update_product_firmware(cloud: Particle, router: respx.Router) -> None:
    listed = router.get("/v1/products/my-prod/firmware").respond(json=[FIRMWARE, {"version": 2}])
    got = router.get("/v1/products/my-prod/firmware/3").respond(json=FIRMWARE)
    put = router.put("/v1/products/my-prod/firmware/3").respond(json={**FIRMWARE, "title": "new"})

    all_fw = await cloud.product_firmware.list("my-prod")
    assert [f.version for f in all_fw] == [3, 2]
    assert listed.called

    one = await cloud.product_firmware.get("my-prod", 3)
    assert one.device_count == 7
    assert got.called

    updated = await cloud.product_firmware.update("my-prod", 3, title="new")
    assert json_of(put.calls.last.request) == {"title": "new"}
    assert updated.title == "new"
    with pytest.raises(ValueError, match="at least one"):
        await cloud.product_firmware.update("my-prod", 3)


async def test_download_product_firmware_bytes(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/products/1234/firmware/3/binary").respond(content=BINARY)
    assert await cloud.product_firmware.download(1234, 3) == BINARY


async def test_release_product_firmware(cloud: Particle, router: respx.Router) -> None:
    route = router.put("/v1/products/1234/firmware/release").respond(
        json={"version": 3, "product_default": False, "groups": ["beta"]}
    )
    release = await cloud.product_firmware.release(1234, 3, groups=("beta",), intelligent=True)
    assert json_of(route.calls.last.request) == {
        "version": 3,
        "groups": ["beta"],
        "intelligent": True,
    }
    assert isinstance(release, FirmwareRelease)
    assert release.groups == ("beta",)
    by_slug = router.put("/v1/products/slug/firmware/release").respond(json={"ok": True})
    assert (await cloud.product_firmware.release("slug", 3, product_default=True)).ok
    assert json_of(by_slug.calls.last.request) == {"version": 3, "product_default": True}


async def test_delete_product_firmware_204(cloud: Particle, router: respx.Router) -> None:
    route = router.delete("/v1/products/1234/firmware/5").respond(204)
    assert await cloud.product_firmware.delete(1234, 5) is True
    assert route.called
