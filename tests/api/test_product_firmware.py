"""`cloud.product_firmware`: uploads (multipart, progress), listing, release, download."""

from __future__ import annotations

import pathlib
from datetime import datetime, timezone

import pytest
import respx

from particle_async import Particle
from particle_async.models.firmware import FirmwareRelease, ProductFirmwareVersion

from ..helpers import Progress, assert_progress_complete, fields, json_of, parse_multipart

pytestmark = pytest.mark.anyio


BINARY = bytes(range(256)) * 300  # 76.8 kB with NULs: looks like a compiled binary


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
    progress = Progress()
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
