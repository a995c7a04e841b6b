"""`cloud.device_os`: Device OS versions, paged and one by one."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
import respx

from particle_async import Particle
from particle_async.models.firmware import DeviceOsVersion

pytestmark = pytest.mark.anyio


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
