"""Round trips through the SDK against the fake cloud: cloud compiles, binaries and OTA
flashing (with the `spark/flash/status` events). Files are real files in `tmp_path`,
uploads report progress."""

from __future__ import annotations

import io
import pathlib
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone

import anyio
import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud, FakeDevice
from particle_async.testing.routes.build_firmware import FirmwareState

from ..helpers import Progress, sdk, write
from .worlds import firmware
from .worlds.firmware import STRANGER

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with firmware.cloud() as cloud:
        yield cloud


SOURCE = b'#include "Particle.h"\nvoid setup() {}\nvoid loop() {}\n'


def flashed(fake: FakeCloud, device: FakeDevice) -> bytes:
    return fake.area(FirmwareState).flashed[device.id]


# -- compiling and binaries --------------------------------------------------------------


async def test_compile_then_download_the_binary(fake: FakeCloud, tmp_path: pathlib.Path) -> None:
    source = write(tmp_path, "application.cpp", SOURCE)
    progress = Progress()
    async with sdk(fake) as cloud:
        result = await cloud.firmware.compile(source, platform_id=12, progress=progress)
        assert progress.finished()
        assert result.ok
        assert result.binary_id
        assert result.binary_url == f"/v1/binaries/{result.binary_id}"
        assert result.expires_at is not None
        assert result.expires_at > datetime.now(timezone.utc)
        assert result.size_info
        assert "text" in result.size_info
        assert result.raw["build_target_version"] == "6.3.2"  # the platform's default

        binary = await cloud.firmware.download_binary(result.binary_id)
        assert binary.startswith(b"PARTICLE-APP platform=12 system=6.3.2")
        assert b"\x00" in binary
        assert await cloud.files.download(result.binary_url or "") == binary

        again = await cloud.firmware.compile(source, platform_id=12, target_version="5.9.0")
        assert again.binary_id != result.binary_id
        older = await cloud.firmware.download_binary(again.binary_id or "")
        assert older.startswith(b"PARTICLE-APP platform=12 system=5.9.0")


async def test_compile_failures(fake: FakeCloud, tmp_path: pathlib.Path) -> None:
    broken = write(tmp_path, "broken.cpp", b'void setup() {}\n#error "needs a sensor"\n')
    async with sdk(fake) as cloud:
        with pytest.raises(BadRequestError) as failed:
            await cloud.firmware.compile(broken, platform_id=6)
        assert failed.value.body["ok"] is False
        assert failed.value.body["errors"][0] == "broken.cpp:2:2: error: #error needs a sensor"
        assert "Error 1" in failed.value.body["output"]
        with pytest.raises(BadRequestError, match="not a build target"):
            await cloud.firmware.compile(SOURCE, platform_id=6, target_version="6.3.2")
        with pytest.raises(BadRequestError, match="not supported"):
            await cloud.firmware.compile(SOURCE, platform_id=999)
        with pytest.raises(NotFoundError):
            await cloud.firmware.compile(SOURCE, product_id=404)
        with pytest.raises(NotFoundError):
            await cloud.firmware.download_binary("0" * 24)
        mine = await cloud.firmware.compile(SOURCE)
    async with sdk(fake, fake.account(STRANGER[0]).token) as stranger:
        with pytest.raises(ForbiddenError):
            await stranger.firmware.download_binary(mine.binary_id or "")


# -- flashing ----------------------------------------------------------------------------


async def test_flash_a_binary_publishes_flash_status(
    fake: FakeCloud, tmp_path: pathlib.Path
) -> None:
    alpha = fake.device("alpha")
    image = b"\x00\x01app image\x00" * 500
    path = write(tmp_path, "firmware.bin", image)
    progress = Progress()
    async with sdk(fake) as cloud:
        async with cloud.events.subscribe("spark/flash") as stream:
            await fake.wait_for_streams(1)
            result = await cloud.firmware.flash_binary(alpha.id, path, progress=progress)
            with anyio.fail_after(5):
                events = [await stream.__anext__(), await stream.__anext__()]
    assert (result.id, result.status) == (alpha.id, "Update started")
    assert progress.finished()
    assert progress.calls[-1][1] > len(image)
    assert [(e.name, e.data, e.device_id) for e in events] == [
        ("spark/flash/status", "started ", alpha.id),
        ("spark/flash/status", "success ", alpha.id),
    ]
    assert flashed(fake, alpha) == image


async def test_flash_sources_compiles_for_the_device(
    fake: FakeCloud, tmp_path: pathlib.Path
) -> None:
    alpha = fake.device("alpha")
    files = {
        "application.cpp": write(tmp_path, "app.cpp", SOURCE),
        "lib/helper.h": b"#pragma once\n",
    }
    async with sdk(fake) as cloud:
        result = await cloud.firmware.flash(alpha.id, files, target_version="6.1.1")
        assert result.ok
        assert result.raw["message"] == "Update started"
        built = await cloud.firmware.compile(files, platform_id=12, target_version="6.1.1")
        assert flashed(fake, alpha) == await cloud.firmware.download_binary(built.binary_id or "")
    assert [e.data for e in fake.published if e.name == "spark/flash/status"] == [
        "started ",
        "success ",
    ]


async def test_flash_a_bundle_and_a_product_device(fake: FakeCloud) -> None:
    fake.add_product(77, "widget", platform_id=12)
    member = fake.add_device("member", product_id=77, platform_id=12)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("app.bin", b"\x00image")
    async with sdk(fake) as cloud:
        result = await cloud.firmware.flash(member.id, {"bundle.zip": buffer.getvalue()})
        assert result.status == "Update started"
        assert flashed(fake, member) == buffer.getvalue()
        again = await cloud.firmware.flash_binary(member.id, b"\x00other", product="widget")
        assert again.id == member.id
        assert flashed(fake, member) == b"\x00other"


async def test_flash_failures(fake: FakeCloud, tmp_path: pathlib.Path) -> None:
    alpha, asleep, theirs = fake.device("alpha"), fake.device("asleep"), fake.device("theirs")
    broken = write(tmp_path, "main.cpp", b"#error nope\n")
    async with sdk(fake) as cloud:
        with pytest.raises(BadRequestError, match="not connected"):
            await cloud.firmware.flash_binary(asleep.id, b"\x00image")
        with pytest.raises(BadRequestError, match="#error nope"):
            await cloud.firmware.flash(alpha.id, broken)
        with pytest.raises(ForbiddenError):
            await cloud.firmware.flash_binary(theirs.id, b"\x00image")
        with pytest.raises(NotFoundError):
            await cloud.firmware.flash_binary("0" * 24, b"\x00image")
        with pytest.raises(BadRequestError, match="exactly one binary"):
            await cloud.firmware.flash(alpha.id, [b"\x00a", b"\x00b"], binary=True)
        await cloud.devices.rename(alpha.id, "still-a-rename")  # a JSON PUT is no flash
    assert alpha.name == "still-a-rename"
    assert not any(e.name == "spark/flash/status" for e in fake.published)
