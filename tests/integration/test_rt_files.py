"""Round trips through the SDK against the fake cloud: `files.download` of an API path and
of an absolute URL on the cloud's own host, and what it raises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from particle_async import ConfigurationError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud

from ..helpers import anonymous, sdk
from .worlds import firmware
from .worlds.firmware import STRANGER

pytestmark = pytest.mark.anyio

SOURCE = b'#include "Particle.h"\nvoid setup() {}\nvoid loop() {}\n'


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with firmware.cloud() as cloud:
        yield cloud


async def test_a_binary_by_its_path_and_by_its_absolute_url(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud:
        result = await cloud.firmware.compile({"app.cpp": SOURCE}, platform_id=12)
        path = result.binary_url or ""
        by_path = await cloud.files.download(path)
        assert by_path.startswith(b"PARTICLE-APP platform=12")
        assert await cloud.files.download(fake.base_url + path) == by_path
        assert by_path == await cloud.firmware.download_binary(result.binary_id or "")
    assert fake.requests[-3:] == [("GET", path)] * 3


async def test_download_errors_are_the_clouds(fake: FakeCloud) -> None:
    async with sdk(fake) as cloud:
        result = await cloud.firmware.compile({"app.cpp": SOURCE}, platform_id=12)
        path = result.binary_url or ""
        with pytest.raises(NotFoundError):
            await cloud.files.download("/v1/binaries/no-such-binary")
    async with sdk(fake, fake.account(STRANGER[0]).token) as stranger:
        with pytest.raises(ForbiddenError):  # another account's binary
            await stranger.files.download(path)
    sent = len(fake.requests)
    async with anonymous(fake) as nobody:
        with pytest.raises(ConfigurationError, match="no access token"):  # said, not sent
            await nobody.files.download(fake.base_url + path)
    assert len(fake.requests) == sent
