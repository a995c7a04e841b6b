"""The device calls the fake lacked: unprotect (user, product and org forms), public-key
provisioning, manufacturing backups, the org form of a device's URI, HEAD on a SIM."""

from __future__ import annotations

import base64
import io
import itertools
import json
import zipfile

import httpx

from particle_async.testing import FakeCloud, FakeUser
from particle_async.testing.routes.fleet_protection import (
    BackupState,
    ProtectionState,
    ProvisioningState,
)

from .conftest import http_client

_product_ids = itertools.count(70001)
B64 = base64.b64encode(b"x" * 32).decode()
PEM = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"


def _confirm(nonce: str) -> dict[str, str]:
    return {
        "action": "confirm",
        "server_nonce": nonce,
        "device_nonce": B64,
        "device_signature": B64,
        "device_public_key_fingerprint": B64,
    }


def test_unprotect_prepare_then_confirm(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    device = cloud.add_device(owner=user, protected=True)
    url = f"/v1/devices/{device.id}/unprotect"
    prepared = client.put(url, json={"action": "prepare"})
    assert prepared.status_code == 200
    nonce = prepared.json()["server_nonce"]
    assert len(base64.b64decode(nonce)) == 32
    confirmed = client.put(url, json=_confirm(nonce))
    assert (confirmed.status_code, confirmed.json()) == (200, {"ok": True})
    assert device.id in cloud.area(ProtectionState).unprotected
    again = client.put(url, json=_confirm(nonce))  # a nonce is good once
    assert (again.status_code, again.json()["error"]) == (
        400,
        "Invalid server nonce: prepare again",
    )


def test_unprotect_refusals(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser, other: FakeUser
) -> None:
    plain = cloud.add_device(owner=user)
    guarded = cloud.add_device(owner=user, protected=True)
    theirs = cloud.add_device(owner=other, protected=True)
    not_protected = client.put(f"/v1/devices/{plain.id}/unprotect", json={"action": "prepare"})
    assert (not_protected.status_code, not_protected.json()["error"]) == (
        400,
        "Device is not protected",
    )
    bad_action = client.put(f"/v1/devices/{guarded.id}/unprotect", json={"action": "nope"})
    assert bad_action.status_code == 400
    partial = client.put(
        f"/v1/devices/{guarded.id}/unprotect", json={"action": "confirm", "server_nonce": B64}
    )
    assert partial.status_code == 400
    assert "device_signature" in partial.json()["error"]
    assert (
        client.put(f"/v1/devices/{theirs.id}/unprotect", json={"action": "prepare"}).status_code
        == 403
    )
    assert client.put("/v1/devices/" + "0" * 24 + "/unprotect", json={}).status_code == 404


def test_unprotect_product_and_org_forms(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser
) -> None:
    org = cloud.add_org(f"org-{user.id[:6]}", members=[user])
    product = cloud.add_product(next(_product_ids), org=org.slug, members=[user])
    device = cloud.add_device(owner=None, claimed=False, product_id=product.id, protected=True)
    for base in (f"/v1/products/{product.slug}", f"/v1/orgs/{org.slug}"):
        answer = client.put(f"{base}/devices/{device.id}/unprotect", data={"action": "prepare"})
        assert answer.status_code == 200, base
        assert "server_nonce" in answer.json()
    stray = cloud.add_device(owner=user, protected=True)  # in no product of the org
    missing = client.put(
        f"/v1/orgs/{org.slug}/devices/{stray.id}/unprotect", json={"action": "prepare"}
    )
    assert missing.status_code == 404


def test_org_form_of_the_device_uri(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser, other: FakeUser
) -> None:
    org = cloud.add_org(f"uri-{user.id[:6]}", members=[user])
    product = cloud.add_product(next(_product_ids), org=org.slug, members=[user])
    device = cloud.add_device(owner=None, claimed=False, product_id=product.id)
    answer = client.get(f"/v1/orgs/{org.id}/devices/{device.id}")
    assert (answer.status_code, answer.json()["id"]) == (200, device.id)
    with http_client(cloud, other.token) as stranger:
        assert stranger.get(f"/v1/orgs/{org.slug}/devices/{device.id}").status_code == 403


def test_send_public_key(cloud: FakeCloud, client: httpx.Client) -> None:
    device_id = "ab" * 12
    body = {"deviceID": device_id, "publicKey": PEM, "filename": "particle-api", "algorithm": "ecc"}
    answer = client.post(f"/v1/provisioning/{device_id}", json=body)
    assert (answer.status_code, answer.json()) == (200, {"ok": True})
    assert cloud.area(ProvisioningState).keys[device_id] == ("ecc", PEM)
    mismatch = client.post("/v1/provisioning/" + "cd" * 12, json=body)
    not_pem = client.post(f"/v1/provisioning/{device_id}", json={**body, "publicKey": "abc"})
    bad_algorithm = client.post(f"/v1/provisioning/{device_id}", json={**body, "algorithm": "dsa"})
    assert [r.status_code for r in (mismatch, not_pem, bad_algorithm)] == [400, 400, 400]


def test_manufacturing_backup_is_a_zip(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser, other: FakeUser
) -> None:
    device = cloud.add_device(owner=user)
    answer = client.put(f"/v1/devices/{device.id}/backup_files")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["device_id"] == device.id
    cloud.area(BackupState).files[device.id] = b"PK\x03\x04custom"
    assert client.put(f"/v1/devices/{device.id}/backup_files").content == b"PK\x03\x04custom"
    with http_client(cloud, other.token) as stranger:
        assert stranger.put(f"/v1/devices/{device.id}/backup_files").status_code == 403


def test_head_on_a_sim_is_status_only(
    cloud: FakeCloud, client: httpx.Client, user: FakeUser, other: FakeUser
) -> None:
    device = cloud.add_device(owner=user, platform_id=13)  # a Boron: cellular, has an ICCID
    assert device.iccid is not None
    found = client.head(f"/v1/sims/{device.iccid}")
    assert (found.status_code, found.content) == (200, b"")
    missing = client.head("/v1/sims/89014000000000000000")
    assert (missing.status_code, missing.content) == (404, b"")
    with http_client(cloud, other.token) as stranger:
        assert stranger.head(f"/v1/sims/{device.iccid}").status_code == 403
