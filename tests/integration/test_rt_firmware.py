"""Round trips through the SDK against the fake cloud: cloud compiles, binaries, OTA
flashing (with the `spark/flash/status` events), build targets, Device OS versions and
product firmware. Files are real files in `tmp_path`, uploads report progress."""

from __future__ import annotations

import io
import pathlib
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone

import anyio
import pytest

from particle_async import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    Particle,
)
from particle_async.testing import FakeCloud, FakeDevice
from particle_async.testing.routes.build_firmware import FirmwareState

pytestmark = pytest.mark.anyio

SOURCE = b'#include "Particle.h"\nvoid setup() {}\nvoid loop() {}\n'
STRANGER = ("stranger@example.com", "pw")


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as cloud:
        cloud.add_device("alpha", platform_id=12)
        cloud.add_device("asleep", platform_id=13, online=False)
        cloud.add_user(*STRANGER)
        cloud.add_device("theirs", owner=STRANGER[0])
        yield cloud


def sdk(fake: FakeCloud, token: str | None = None) -> Particle:
    return Particle(token=token or fake.token, base_url=fake.base_url, rate_limiter=None)


def flashed(fake: FakeCloud, device: FakeDevice) -> bytes:
    return fake.area(FirmwareState).flashed[device.id]


class Progress:
    """Records `progress(sent, total)` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, sent: int, total: int) -> None:
        self.calls.append((sent, total))

    def finished(self) -> bool:
        sent, total = self.calls[-1]
        return total > 0 and sent == total and self.calls[0][0] == 0


def write(tmp_path: pathlib.Path, name: str, content: bytes) -> pathlib.Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


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


# -- build targets and Device OS ---------------------------------------------------------


async def test_build_targets_need_no_token(fake: FakeCloud) -> None:
    async with Particle(base_url=fake.base_url, rate_limiter=None) as anonymous:
        every = await anonymous.device_os.build_targets()
        featured = await anonymous.firmware.list_build_targets(featured=True)
    assert every.platforms["Argon"] == 12
    assert every.default_versions["12"] == "6.3.2"
    assert [t.version for t in every.for_platform(0)] == ["0.7.0"]
    assert {t.version for t in featured.targets} < {t.version for t in every.targets}
    prerelease = next(t for t in every.targets if t.version == "6.4.0-rc.1")
    assert prerelease.prereleases == prerelease.platforms
    async with sdk(fake) as cloud:  # a token, when sent, is fine too
        assert len((await cloud.device_os.build_targets()).targets) == len(every.targets)


async def test_device_os_versions_page_by_page(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud:
        every = await cloud.device_os.iter(platform_id=12, per_page=3).collect()
        assert [v.version for v in every] == [
            "6.4.0-rc.1",
            "6.3.2",
            "6.2.1",
            "6.1.1",
            "5.9.0",
            "4.2.0",
            "2.3.1",
            "1.5.2",
        ]
        assert {v.platform_id for v in every} == {12}
        first = await cloud.device_os.list(page=1, per_page=2)
        assert len(first.items) == 2
        assert not first.is_last
        one = await cloud.device_os.list(internal_version=6302, platform_id=32)
        assert [(v.version, v.platform_id) for v in one.items] == [("6.3.2", 32)]
        version = await cloud.device_os.get("6.3.2", platform_id=13)
        assert (version.internal_version, version.platform_id) == (6302, 13)
        assert version.release_date == datetime(2025, 1, 21, tzinfo=timezone.utc)
        with pytest.raises(NotFoundError):
            await cloud.device_os.get("9.9.9")
        with pytest.raises(NotFoundError):
            await cloud.device_os.get("0.7.0", platform_id=12)


# -- product firmware --------------------------------------------------------------------


async def test_product_firmware_round_trip(fake: FakeCloud, tmp_path: pathlib.Path) -> None:
    fake.add_product(77, "widget", platform_id=12)
    device = fake.add_device("member", product_id=77, platform_id=12)  # runs version 1
    v1 = write(tmp_path, "v1.bin", b"\x00first" * 300)
    progress = Progress()
    async with sdk(fake) as cloud:
        first = await cloud.product_firmware.upload(
            77, v1, version=1, title="First", progress=progress
        )
        assert progress.finished()
        assert (first.version, first.title, first.size) == (1, "First", v1.stat().st_size)
        assert first.raw["name"] == "firmware.bin"
        assert first.raw["uploaded_by"] == {"username": fake.user.username}
        second = await cloud.product_firmware.upload(
            "widget", b"\x00second", version=2, title="Second", description="d", mandatory=True
        )
        assert (second.description, second.mandatory, second.device_count) == ("d", True, 0)
        bundle = io.BytesIO()
        with zipfile.ZipFile(bundle, "w") as archive:
            archive.writestr("app.bin", b"\x00three")
        third = await cloud.product_firmware.upload(77, bundle.getvalue(), version=3, title="3")
        assert third.raw["name"] == "firmware.zip"

        assert [f.version for f in await cloud.product_firmware.list(77)] == [1, 2, 3]
        assert (await cloud.product_firmware.get(77, 1)).device_count == 1
        edited = await cloud.product_firmware.update(77, 2, title="Second, edited")
        assert (edited.title, edited.description) == ("Second, edited", "d")
        assert await cloud.product_firmware.download(77, 1) == v1.read_bytes()

        with pytest.raises(BadRequestError, match="running on at least one device"):
            await cloud.product_firmware.release(77, 2, product_default=True)
        device.firmware_version = 2
        released = await cloud.product_firmware.release(77, 2, product_default=True)
        assert (released.version, released.product_default) == (2, True)
        grouped = await cloud.product_firmware.release(77, 2, groups=["beta"], intelligent=True)
        assert (grouped.groups, grouped.intelligent) == (("beta",), True)
        assert (await cloud.product_firmware.get(77, 2)).current

        with pytest.raises(BadRequestError, match="cannot be deleted"):
            await cloud.product_firmware.delete(77, 2)
        assert await cloud.product_firmware.delete(77, 3)
        assert [f.version for f in await cloud.product_firmware.list("widget")] == [1, 2]
        with pytest.raises(NotFoundError):
            await cloud.product_firmware.get(77, 3)
        with pytest.raises(BadRequestError, match="already exists"):
            await cloud.product_firmware.upload(77, b"\x00dup", version=1, title="dup")


async def test_product_firmware_access(fake: FakeCloud) -> None:
    fake.add_product(88, "theirs", members=[STRANGER[0]])
    async with sdk(fake) as cloud:
        with pytest.raises(ForbiddenError):
            await cloud.product_firmware.list(88)
        with pytest.raises(ForbiddenError):
            await cloud.product_firmware.upload(88, b"\x00x", version=1, title="x")
        with pytest.raises(NotFoundError):
            await cloud.product_firmware.list(404)
