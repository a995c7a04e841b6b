"""Devices in the user's scope: listing, details, claim, update, variables, functions."""

from __future__ import annotations

import re

import httpx
import pytest

from particle_async.testing import FakeCloud, FakeUser

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SUMMARY_KEYS = {
    "id", "name", "last_app", "last_ip_address", "last_heard", "product_id", "connected",
    "online", "platform_id", "cellular", "notes", "status", "serial_number",
    "system_firmware_version", "current_build_target", "default_build_target",
}  # fmt: skip
DETAIL_ONLY = {"variables", "functions", "firmware_updates_enabled", "firmware_updates_forced"}
PRODUCT_FIELDS = {
    "groups", "firmware_version", "desired_firmware_version", "development", "quarantined",
    "denied", "owner",
}  # fmt: skip


def test_list_is_a_bare_array_of_summaries(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    device = cloud.add_device(name="kitchen", owner=user, notes="by the door")
    cloud.add_device(name="cell", owner=user, platform_id=13)
    cloud.add_device(name="not-mine")
    body = client.get("/v1/devices").json()
    assert isinstance(body, list)
    assert [d["name"] for d in body] == ["kitchen", "cell"]
    kitchen = body[0]
    assert set(kitchen) >= SUMMARY_KEYS
    assert not set(kitchen) & (DETAIL_ONLY | PRODUCT_FIELDS)
    assert kitchen["id"] == device.id
    assert len(kitchen["id"]) == 24
    assert ISO_MS.match(kitchen["last_heard"])
    assert (kitchen["online"], kitchen["connected"], kitchen["notes"]) == (
        True,
        True,
        "by the door",
    )
    assert (
        kitchen["product_id"] == 6
    )  # outside a product the platform ID shows, as on the real cloud
    assert body[1]["cellular"] is True
    assert body[1]["iccid"]


def test_list_filters_sorting_and_paging(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    for name in ("b-two", "a-one", "c-three"):
        cloud.add_device(name=name, owner=user)

    def names(**query: str) -> list[str]:
        return [d["name"] for d in client.get("/v1/devices", params=query).json()]

    assert names(deviceName="one") == ["a-one"]
    assert names(sortAttr="deviceName", sortDir="desc") == ["c-three", "b-two", "a-one"]
    assert names(sortAttr="deviceName", page="2", per_page="2") == ["c-three"]


def test_get_device_reports_variable_types_and_functions(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    variables = {"t": 21.5, "n": 3, "s": "hi", "b": True, "up": lambda: 1.0}
    device = cloud.add_device(owner=user, variables=variables, functions={"brew": len})
    body = client.get(f"/v1/devices/{device.id}").json()
    assert body["variables"] == {
        "t": "double",
        "n": "int32",
        "s": "string",
        "b": "bool",
        "up": "double",
    }
    assert body["functions"] == ["brew"]
    assert client.get(f"/v1/devices/{device.name}").json()["id"] == device.id


def test_list_omits_variables_and_functions_even_for_online_devices(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    """The real list makes clients fetch each device for its variables and functions; a
    fake list that had them would let a test pass that fails against the cloud."""
    device = cloud.add_device(owner=user, variables={"t": 1.5}, functions={"brew": len})
    cloud.add_device(owner=user, online=False, variables={"t": 1.5})
    listed = client.get("/v1/devices").json()
    assert all(not set(entry) & DETAIL_ONLY for entry in listed)
    detail = client.get(f"/v1/devices/{device.id}").json()
    assert set(detail) >= SUMMARY_KEYS | DETAIL_ONLY
    assert (detail["variables"], detail["functions"]) == ({"t": "double"}, ["brew"])


def test_product_listing_has_fleet_fields_but_not_variables(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    product = cloud.add_product(5501, "listing-fields", members=[user])
    device = cloud.add_device(owner=None, claimed=False, product_id=product.id, variables={"v": 1})
    listed = client.get(f"/v1/products/{product.id}/devices").json()["devices"]
    assert [entry["id"] for entry in listed] == [device.id]
    assert set(listed[0]) >= SUMMARY_KEYS | PRODUCT_FIELDS
    assert not set(listed[0]) & DETAIL_ONLY
    detail = client.get(f"/v1/products/{product.id}/devices/{device.id}").json()
    assert detail["variables"] == {"v": "int32"}


@pytest.mark.parametrize("path", ["", "/temperature", "/ping"])
def test_other_users_device_is_403_and_unknown_is_404(
    cloud: FakeCloud, client: httpx.Client, other: FakeUser, path: str
) -> None:
    theirs = cloud.add_device(owner=other, variables={"temperature": 1})
    method = "PUT" if path == "/ping" else "GET"
    denied = client.request(method, f"/v1/devices/{theirs.id}{path}")
    unknown = client.request(method, f"/v1/devices/{'0' * 24}{path}")
    assert (denied.status_code, denied.json()) == (403, {"ok": False, "error": "Permission Denied"})
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error": "Device not found."},
    )


def test_claim_and_unclaim(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser, other: FakeUser
) -> None:
    loose = cloud.add_device(claimed=False)
    taken = cloud.add_device(owner=other)
    claimed = client.post("/v1/devices", json={"id": loose.id})
    assert claimed.status_code == 200
    assert claimed.json() == {"ok": True, "user_id": user.id, "id": loose.id, "connected": True}
    assert loose.owner == user.username
    assert client.post("/v1/devices", data={"id": taken.id}).status_code == 403
    released = client.delete(f"/v1/devices/{loose.id}")
    assert (released.status_code, released.json()) == (200, {"ok": True})
    assert loose.owner is None


def test_put_renames_sets_notes_and_signals(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    device = cloud.add_device(owner=user)
    renamed = client.put(f"/v1/devices/{device.id}", json={"name": "porch"}).json()
    assert (renamed["id"], renamed["name"]) == (device.id, "porch")
    assert ISO_MS.match(renamed["updated_at"])
    assert client.put(f"/v1/devices/{device.id}", data={"notes": "hi"}).json()["notes"] == "hi"
    signal = client.put(f"/v1/devices/{device.id}", data={"signal": "1"}).json()
    assert (signal["signaling"], signal["connected"]) == (True, True)
    nothing = client.put(f"/v1/devices/{device.id}", json={})
    assert (nothing.status_code, nothing.json()) == (400, {"ok": False, "error": "Nothing to do?"})
    assert (device.name, device.notes, device.signaling) == ("porch", "hi", True)


def test_ping(cloud: FakeCloud, client: httpx.Client, user: FakeUser) -> None:
    online = cloud.add_device(owner=user)
    offline = cloud.add_device(owner=user, online=False)
    assert client.put(f"/v1/devices/{online.id}/ping").json() == {"online": True, "ok": True}
    assert client.put(f"/v1/devices/{offline.id}/ping").json() == {"online": False, "ok": True}


def test_get_variable(cloud: FakeCloud, client: httpx.Client, user: FakeUser) -> None:
    reads = iter(range(100))
    device = cloud.add_device(
        owner=user, variables={"temperature": 21.5, "count": lambda: next(reads)}
    )
    body = client.get(f"/v1/devices/{device.id}/temperature").json()
    assert (body["cmd"], body["name"], body["result"]) == ("VarReturn", "temperature", 21.5)
    info = body["coreInfo"]
    assert set(info) == {
        "last_app",
        "last_heard",
        "connected",
        "last_handshake_at",
        "deviceID",
        "product_id",
    }
    assert (info["deviceID"], info["connected"]) == (device.id, True)
    device.set_variable("temperature", 22.0)
    assert client.get(f"/v1/devices/{device.id}/temperature").json()["result"] == 22.0
    first = client.get(f"/v1/devices/{device.id}/count").json()["result"]
    assert client.get(f"/v1/devices/{device.id}/count").json()["result"] == first + 1
    raw = client.get(f"/v1/devices/{device.id}/temperature", params={"format": "raw"})
    assert raw.text == "22.0"


def test_variable_errors(cloud: FakeCloud, client: httpx.Client, user: FakeUser) -> None:
    def slow() -> float:
        raise TimeoutError

    device = cloud.add_device(owner=user, variables={"temperature": 1, "slow": slow})
    unknown = client.get(f"/v1/devices/{device.id}/sensor2")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error": "Unknown Variable: sensor2"},
    )
    timed_out = client.get(f"/v1/devices/{device.id}/slow")
    assert (timed_out.status_code, timed_out.json()) == (408, {"ok": False, "error": "Timed out."})
    device.go_offline()
    offline = client.get(f"/v1/devices/{device.id}/temperature")
    assert (offline.status_code, offline.json()) == (404, {"ok": False, "error": "timed out"})


def test_call_function_json_form_and_legacy_args(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    device = cloud.add_device(name="coffee", owner=user, functions={"brew": len})
    as_json = client.post(f"/v1/devices/{device.id}/brew", json={"arg": "202,230"})
    assert as_json.status_code == 200
    assert as_json.json() == {
        "id": device.id,
        "name": "coffee",
        "connected": True,
        "return_value": 7,
    }
    assert (
        client.post(f"/v1/devices/{device.id}/brew", data={"arg": "abc"}).json()["return_value"]
        == 3
    )
    assert (
        client.post(f"/v1/devices/{device.id}/brew", data={"args": "ab"}).json()["return_value"]
        == 2
    )
    assert device.calls == [("brew", "202,230"), ("brew", "abc"), ("brew", "ab")]


def test_function_errors(cloud: FakeCloud, client: httpx.Client, user: FakeUser) -> None:
    def stuck(arg: str) -> int:
        raise TimeoutError

    device = cloud.add_device(owner=user, functions={"stuck": stuck})
    unknown = client.post(f"/v1/devices/{device.id}/xyz", json={"arg": ""})
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error": "Function xyz not found"},
    )
    timed_out = client.post(f"/v1/devices/{device.id}/stuck", json={"arg": "go"})
    assert (timed_out.status_code, timed_out.json()) == (408, {"ok": False, "error": "Timed out."})
    assert device.calls == [("stuck", "go")]  # it reached the device: a 408 is not "never ran"
    device.go_offline()
    offline = client.post(f"/v1/devices/{device.id}/stuck", json={"arg": "go"})
    assert (offline.status_code, offline.json()) == (404, {"ok": False, "error": "timed out"})
