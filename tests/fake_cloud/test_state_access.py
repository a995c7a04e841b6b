"""The public accessors tests use instead of the fake's private state: users, products,
organisations by key, and each API area's store as the very object its routes use."""

from __future__ import annotations

import httpx
import pytest

from particle_async.testing import FakeCloud, FakeUser
from particle_async.testing.routes.build_firmware import FirmwareState
from particle_async.testing.routes.fleet_groups import GroupsState


def test_account_product_and_org_by_key(cloud: FakeCloud, user: FakeUser) -> None:
    assert cloud.account(user.username) is user
    product = cloud.add_product(4401, "lookup-product", members=[user])
    org = cloud.add_org("lookup-org", members=[user])
    assert cloud.product(4401) is product
    assert cloud.product("lookup-product") is product
    assert cloud.org("lookup-org") is org
    assert cloud.org(org.id) is org
    for missing in (
        lambda: cloud.account("nobody"),
        lambda: cloud.product(9),
        lambda: cloud.org("x"),
    ):
        with pytest.raises(KeyError):
            missing()


def test_area_is_the_store_the_routes_write(cloud: FakeCloud, user: FakeUser) -> None:
    device = cloud.add_device(owner=user)
    files = {"file": ("app.bin", b"\x00image", "application/octet-stream")}
    response = httpx.put(
        f"{cloud.base_url}/v1/devices/{device.id}",
        files=files,
        headers={"Authorization": f"Bearer {user.token}"},
    )
    assert response.status_code == 200
    assert cloud.area(FirmwareState).flashed[device.id] == b"\x00image"
    assert cloud.area(FirmwareState) is cloud.area(FirmwareState)
    assert isinstance(cloud.area(GroupsState), GroupsState)  # made on first use


def test_state_is_the_live_state(cloud: FakeCloud, user: FakeUser) -> None:
    assert cloud.state.users[user.username] is user
    device = cloud.add_device(owner=user)
    assert cloud.state.find_device(device.id) is device
