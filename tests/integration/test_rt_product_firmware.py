"""Round trips through the SDK against the fake cloud: product firmware, uploaded from
real files in `tmp_path`."""

from __future__ import annotations

import io
import pathlib
import zipfile
from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud

from ..helpers import Progress, sdk, write
from .worlds import firmware
from .worlds.firmware import STRANGER

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with firmware.cloud() as cloud:
        yield cloud


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
