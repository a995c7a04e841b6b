"""Round trips through the SDK against the fake cloud: build targets and Device OS versions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from particle_async import NotFoundError, Particle
from particle_async.testing import FakeCloud

from ..helpers import sdk
from .worlds import firmware

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with firmware.cloud() as cloud:
        yield cloud


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
