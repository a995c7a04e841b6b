"""`cloud.devices`: every call's method, path, query and body, and what it returns."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from particle_async import Particle
from particle_async._errors import NotFoundError, ServerError
from particle_async.models.devices import (
    ClaimCode,
    ClaimResult,
    Device,
    DeviceUpdate,
    SearchResults,
    SerialNumberInfo,
    UnprotectResult,
)

from ..helpers import body_of, query_of, sent, user_or_product

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product"]
DEVICE = "0123456789abcdef01234567"


# --- listing and reading ---------------------------------------------------------------


async def test_list_returns_the_bare_array(cloud: Particle, router: respx.Router) -> None:
    route = router.get("/v1/devices").respond(json=[{"id": "a", "online": True}, {"id": "b"}])
    devices = await cloud.devices.list()
    assert [d.id for d in devices] == ["a", "b"]
    assert devices[0].is_online
    assert query_of(route) == {}


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_get(cloud: Particle, router: respx.Router, product: int | str | None) -> None:
    route = router.get(user_or_product(product, f"devices/{DEVICE}")).respond(
        json={
            "id": DEVICE,
            "name": "gongbot",
            "online": True,
            "functions": ["gong"],
            "variables": {"Gongs": "int32"},
            "desired_firmware_version": None,
            "firmware_updates_forced": False,
            "mobile_secret": "NVYM5RK6AHCBELA",
        }
    )
    device = await cloud.devices.get(DEVICE, product=product)
    assert sent(route).method == "GET"
    assert isinstance(device, Device)
    assert (device.name, device.functions, device.variables) == (
        "gongbot",
        ("gong",),
        {"Gongs": "int32"},
    )
    assert device.firmware_updates_forced is False
    assert "NVYM5RK6AHCBELA" not in repr(device)


# --- POST /v1/devices: claim or provision ---------------------------------------------


async def test_claim_always_sends_request_transfer(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/devices").respond(
        json={"ok": True, "deviceID": DEVICE, "claimed": True}
    )
    result = await cloud.devices.claim(DEVICE)
    assert body_of(route) == {"id": DEVICE, "request_transfer": False}
    assert isinstance(result, ClaimResult)
    assert (result.ok, result.device_id, result.claimed) == (True, DEVICE, True)


async def test_claim_with_transfer(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/devices").respond(json={"ok": True, "transfer_id": "t-1"})
    result = await cloud.devices.claim(DEVICE, request_transfer=True)
    assert body_of(route) == {"id": DEVICE, "request_transfer": True}
    assert result.transfer_id == "t-1"


async def test_claim_is_never_resent_after_a_5xx(cloud: Particle, router: respx.Router) -> None:
    route = router.post("/v1/devices").respond(503)
    with pytest.raises(ServerError):
        await cloud.devices.claim(DEVICE)
    assert route.call_count == 1


@pytest.mark.parametrize("product_id", PRODUCTS)
async def test_provision(cloud: Particle, router: respx.Router, product_id: int | str) -> None:
    route = router.post("/v1/devices").respond(json={"id": "new-device", "product_id": 1234})
    device = await cloud.devices.provision(product_id)
    assert body_of(route) == {"product_id": product_id}
    assert (device.id, device.product_id) == ("new-device", 1234)


# --- claim codes, serial numbers, public keys, backups --------------------------------


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_create_claim_code(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    route = router.post(user_or_product(product, "device_claims")).respond(
        json={"claim_code": "rCFr2KAJNgzJ2rR3Jm1Zo", "device_ids": ["33ff21"]}
    )
    code = await cloud.devices.create_claim_code(iccid="8934076500002589174", product=product)
    assert body_of(route) == {"iccid": "8934076500002589174"}
    assert isinstance(code, ClaimCode)
    assert (code.claim_code, code.device_ids) == ("rCFr2KAJNgzJ2rR3Jm1Zo", ("33ff21",))
    assert "rCFr2KAJ" not in repr(code)


async def test_create_claim_code_without_arguments_sends_an_empty_body(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.post("/v1/device_claims").respond(json={"claim_code": "x", "device_ids": []})
    await cloud.devices.create_claim_code()
    assert body_of(route) == {}


@pytest.mark.parametrize(
    "answer",
    [
        {"ok": True, "deviceID": DEVICE, "iccid": "8934076500002589174"},
        {"serial_number": "E26AAA111111111", "device_id": DEVICE, "platform_id": 26},
    ],
)
async def test_lookup_serial_number_reads_both_spellings(
    cloud: Particle, router: respx.Router, answer: dict[str, Any]
) -> None:
    route = router.get("/v1/serial_numbers/E26AAA111111111").respond(json=answer)
    info = await cloud.devices.lookup_serial_number("E26AAA111111111")
    assert sent(route).method == "GET"
    assert isinstance(info, SerialNumberInfo)
    assert info.device_id == DEVICE
    assert info.raw == answer


async def test_send_public_key(cloud: Particle, router: respx.Router) -> None:
    route = router.post(f"/v1/provisioning/{DEVICE}").respond(json={"ok": True})
    assert await cloud.devices.send_public_key(
        DEVICE, b"-----BEGIN PUBLIC KEY-----", algorithm="ecc"
    )
    body = body_of(route)
    assert body.pop("order").startswith("manual_")
    assert body == {
        "deviceID": DEVICE,
        "publicKey": "-----BEGIN PUBLIC KEY-----",
        "filename": "particle-api",
        "algorithm": "ecc",
    }


async def test_download_manufacturing_backup_returns_bytes(
    cloud: Particle, router: respx.Router
) -> None:
    route = router.put(f"/v1/devices/{DEVICE}/backup_files").respond(content=b"\x00PK\x03\x04")
    assert await cloud.devices.download_manufacturing_backup(DEVICE) == b"\x00PK\x03\x04"
    assert sent(route).method == "PUT"


# --- PUT /v1/devices/:id: one route, many operations ------------------------------------


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_rename_notes_and_signal(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    route = router.put(user_or_product(product, f"devices/{DEVICE}")).respond(
        json={"id": DEVICE, "name": "phancy", "updated_at": "2017-03-10T20:21:49.059Z"}
    )
    renamed = await cloud.devices.rename(DEVICE, "phancy", product=product)
    assert body_of(route) == {"name": "phancy"}
    assert isinstance(renamed, DeviceUpdate)
    assert renamed.name == "phancy"
    assert renamed.updated_at is not None
    await cloud.devices.set_notes(DEVICE, "laser!", product=product)
    assert body_of(route) == {"notes": "laser!"}
    await cloud.devices.signal(DEVICE, product=product)
    assert body_of(route) == {"signal": "1"}
    await cloud.devices.signal(DEVICE, False, product=product)
    assert body_of(route) == {"signal": "0"}


async def test_update_sends_only_what_was_given(cloud: Particle, router: respx.Router) -> None:
    route = router.put(f"/v1/products/1234/devices/{DEVICE}").respond(json={"id": DEVICE})
    await cloud.devices.update(DEVICE, name="n", development=False, product=1234, custom=1)
    assert body_of(route) == {"name": "n", "development": False, "custom": 1}


async def test_update_refuses_product_fields_without_a_product(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="product="):
        await cloud.devices.update(DEVICE, development=True)
    with pytest.raises(ValueError, match="at least one"):
        await cloud.devices.update(DEVICE)


@pytest.mark.parametrize("product", PRODUCTS)
async def test_mark_development(cloud: Particle, router: respx.Router, product: int | str) -> None:
    route = router.put(f"/v1/products/{product}/devices/{DEVICE}").respond(
        json={"id": DEVICE, "development": True}
    )
    result = await cloud.devices.mark_development(DEVICE, product=product)
    assert body_of(route) == {"development": True}
    assert result.development is True
    await cloud.devices.mark_development(DEVICE, False, product=product)
    assert body_of(route) == {"development": False}


@pytest.mark.parametrize("product", PRODUCTS)
async def test_lock_and_unlock_product_firmware(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.put(f"/v1/products/{product}/devices/{DEVICE}").respond(
        json={"id": DEVICE, "desired_firmware_version": 3}
    )
    locked = await cloud.devices.lock_product_firmware(DEVICE, 3, product=product, flash=True)
    assert body_of(route) == {"desired_firmware_version": 3, "flash": True}
    assert locked.desired_firmware_version == 3
    await cloud.devices.lock_product_firmware(DEVICE, 4, product=product)
    assert body_of(route) == {"desired_firmware_version": 4}
    await cloud.devices.unlock_product_firmware(DEVICE, product=product)
    assert body_of(route) == {"desired_firmware_version": None}


async def test_a_flashing_update_is_never_resent(cloud: Particle, router: respx.Router) -> None:
    route = router.put(f"/v1/products/1234/devices/{DEVICE}").respond(503)
    with pytest.raises(ServerError):
        await cloud.devices.lock_product_firmware(DEVICE, 3, product=1234, flash=True)
    assert route.call_count == 1


async def test_a_plain_rename_is_retried(cloud: Particle, router: respx.Router) -> None:
    route = router.put(f"/v1/devices/{DEVICE}").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"id": DEVICE, "name": "x"})]
    )
    assert (await cloud.devices.rename(DEVICE, "x")).name == "x"
    assert route.call_count == 2


async def test_force_firmware_updates(cloud: Particle, router: respx.Router) -> None:
    route = router.put(f"/v1/devices/{DEVICE}").respond(
        json={"id": DEVICE, "firmware_updates_forced": True}
    )
    result = await cloud.devices.set_firmware_updates_forced(DEVICE)
    assert body_of(route) == {"firmware_updates_forced": True}
    assert result.firmware_updates_forced is True
    await cloud.devices.set_firmware_updates_forced(DEVICE, False)
    assert body_of(route) == {"firmware_updates_forced": False}


# --- remove, ping ----------------------------------------------------------------------


async def test_remove_unclaims_without_a_body(cloud: Particle, router: respx.Router) -> None:
    route = router.delete(f"/v1/devices/{DEVICE}").respond(json={"ok": True})
    assert await cloud.devices.remove(DEVICE)
    assert sent(route).content == b""


@pytest.mark.parametrize("product", PRODUCTS)
async def test_remove_from_product_and_deny(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    route = router.delete(f"/v1/products/{product}/devices/{DEVICE}").respond(204)
    assert await cloud.devices.remove(DEVICE, product=product)
    assert sent(route).content == b""
    assert await cloud.devices.remove(DEVICE, product=product, deny=True)
    assert body_of(route) == {"deny": True}


async def test_deny_needs_a_product(cloud: Particle) -> None:
    with pytest.raises(ValueError, match="product="):
        await cloud.devices.remove(DEVICE, deny=True)


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_ping(cloud: Particle, router: respx.Router, product: int | str | None) -> None:
    route = router.put(user_or_product(product, f"devices/{DEVICE}/ping")).respond(
        json={"online": True, "ok": True}
    )
    result = await cloud.devices.ping(DEVICE, product=product)
    assert (result.online, result.ok) == (True, True)
    assert sent(route).content == b""


# --- variables and functions through a product -----------------------------------------


@pytest.mark.parametrize("product", PRODUCTS)
async def test_variable_and_function_through_a_product(
    cloud: Particle, router: respx.Router, product: int | str
) -> None:
    router.get(f"/v1/products/{product}/devices/{DEVICE}/temp").respond(
        json={"name": "temp", "result": 21.5, "coreInfo": {"deviceID": DEVICE}}
    )
    call = router.post(f"/v1/products/{product}/devices/{DEVICE}/brew").respond(
        json={"id": DEVICE, "return_value": 1}
    )
    assert await cloud.devices.get_variable(DEVICE, "temp", product=product) == 21.5
    assert await cloud.devices.call_function(DEVICE, "brew", "go", product=product) == 1
    assert body_of(call) == {"arg": "go"}


async def test_offline_variable_read_is_a_not_found_error(
    cloud: Particle, router: respx.Router
) -> None:
    router.get(f"/v1/devices/{DEVICE}/temp").respond(
        404, json={"ok": False, "error": "Device is offline"}
    )
    with pytest.raises(NotFoundError):
        await cloud.devices.get_variable(DEVICE, "temp")


# --- device protection, device paths ----------------------------------------------------


async def test_unprotect_prepare_then_confirm(cloud: Particle, router: respx.Router) -> None:
    route = router.put(f"/v1/devices/{DEVICE}/unprotect").respond(
        json={"ok": True, "server_nonce": "c2VydmVy"}
    )
    prepared = await cloud.devices.unprotect(DEVICE, "prepare")
    assert body_of(route) == {"action": "prepare"}
    assert isinstance(prepared, UnprotectResult)
    assert prepared.server_nonce == "c2VydmVy"
    await cloud.devices.unprotect(
        DEVICE,
        "confirm",
        server_nonce="c2VydmVy",
        device_nonce="ZGV2aWNl",
        device_signature="c2ln",
        device_public_key_fingerprint="ZnA=",
    )
    assert body_of(route) == {
        "action": "confirm",
        "server_nonce": "c2VydmVy",
        "device_nonce": "ZGV2aWNl",
        "device_signature": "c2ln",
        "device_public_key_fingerprint": "ZnA=",
    }


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"product": 1234}, f"/v1/products/1234/devices/{DEVICE}/unprotect"),
        ({"product": "my-product"}, f"/v1/products/my-product/devices/{DEVICE}/unprotect"),
        ({"org": "acme", "product": 1234}, f"/v1/orgs/acme/devices/{DEVICE}/unprotect"),
    ],
)
async def test_unprotect_scopes(
    cloud: Particle, router: respx.Router, scope: dict[str, Any], expected: str
) -> None:
    route = router.put(expected).respond(json={"ok": True})
    assert (await cloud.devices.unprotect(DEVICE, "prepare", **scope)).ok
    assert route.called


async def test_uri_builds_paths_without_a_request(cloud: Particle, router: respx.Router) -> None:
    assert cloud.devices.uri(DEVICE) == f"/v1/devices/{DEVICE}"
    assert (
        cloud.devices.uri(DEVICE, product="my-product")
        == f"/v1/products/my-product/devices/{DEVICE}"
    )
    assert cloud.devices.uri(DEVICE, product=1, org="acme") == f"/v1/orgs/acme/devices/{DEVICE}"
    assert cloud.devices.uri("a/b") == "/v1/devices/a%2Fb"
    assert not router.calls


# --- search -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "where"), [(None, "/v1/user/search"), ("acme", "/v1/orgs/acme/search")]
)
async def test_search(cloud: Particle, router: respx.Router, org: str | None, where: str) -> None:
    route = router.get(where).respond(
        json={"results": [{"type": "device", "id": DEVICE}], "hasMore": True}
    )
    found = await cloud.devices.search("gong", type="device", org=org)
    assert query_of(route) == {"text": "gong", "type": "device"}
    assert isinstance(found, SearchResults)
    assert found.has_more
    assert found.results[0]["id"] == DEVICE
    await cloud.devices.search("gong", org=org)
    assert query_of(route) == {"text": "gong"}
