"""Device protection, key provisioning and manufacturing backups: the device calls with
no other home.

- `PUT .../devices/:deviceId/unprotect` (user, product and org forms) runs the
  challenge-response that temporarily disables protection: `action=prepare` answers a
  fresh base64 `server_nonce`; `action=confirm` must echo it with the device's nonce,
  signature and key fingerprint. The fake cannot check a signature: it checks that every
  field is present, base64, and that the nonce is the one it handed out (each is good
  once). A device must be protected (`FakeDevice.protected`) for either step.
- `POST /v1/provisioning/:deviceId` registers a device's public key (undocumented; what
  the CLI's `keys send` does): the body's `deviceID` must match the path, `publicKey` be
  PEM, `algorithm` rsa or ecc. Keys are kept in `ProvisioningState` for assertions.
- `PUT /v1/devices/:deviceId/backup_files` answers the device's manufacturing backup as
  a zip (a PUT that returns bytes, as the Tachyon tooling uses it); tests may put any
  bytes in `BackupState.files` first.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import secrets
import zipfile
from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_device, resolve_org_device, resolve_product_device
from .._state import FakeDevice, iso_ms, utcnow
from .._wire import Ctx, api, fail, json_response

CONFIRM_FIELDS = (
    "server_nonce",
    "device_nonce",
    "device_signature",
    "device_public_key_fingerprint",
)
ALGORITHMS = ("rsa", "ecc")


@dataclass
class ProtectionState:
    """Server nonces handed out by `prepare` (device ID -> nonce) and the devices whose
    protection a `confirm` disabled."""

    nonces: dict[str, str] = field(default_factory=dict)
    unprotected: set[str] = field(default_factory=set)


@dataclass
class ProvisioningState:
    """Public keys sent for each device ID: `(algorithm, PEM text)`."""

    keys: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class BackupState:
    """Backup archives by device ID; a device without one gets a generated zip."""

    files: dict[str, bytes] = field(default_factory=dict)


# -- unprotect ---------------------------------------------------------------------------


def _is_base64(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _unprotect(ctx: Ctx, device: FakeDevice) -> Response:
    if not device.protected:
        raise fail(400, "Device is not protected")
    action = ctx.param("action")
    store = ctx.state.area(ProtectionState)
    if action == "prepare":
        nonce = base64.b64encode(secrets.token_bytes(32)).decode()
        with ctx.state.lock:
            store.nonces[device.id] = nonce
        return json_response({"ok": True, "server_nonce": nonce})
    if action != "confirm":
        raise fail(400, "action must be prepare or confirm")
    missing = [name for name in CONFIRM_FIELDS if not _is_base64(ctx.param(name))]
    if missing:
        raise fail(400, f"{', '.join(missing)} must be given, base64 encoded")
    with ctx.state.lock:
        if store.nonces.get(device.id) != ctx.param("server_nonce"):
            raise fail(400, "Invalid server nonce: prepare again")
        del store.nonces[device.id]
        store.unprotected.add(device.id)
    return json_response({"ok": True})


async def unprotect_device(ctx: Ctx) -> Response:
    return _unprotect(ctx, resolve_device(ctx, ctx.path("deviceId")))


async def unprotect_product_device(ctx: Ctx) -> Response:
    return _unprotect(ctx, resolve_product_device(ctx)[1])


async def unprotect_org_device(ctx: Ctx) -> Response:
    return _unprotect(ctx, resolve_org_device(ctx)[1])


# -- provisioning ------------------------------------------------------------------------


async def send_public_key(ctx: Ctx) -> Response:
    device_id = ctx.path("deviceId").lower()
    if str(ctx.param("deviceID", default=device_id)).lower() != device_id:
        raise fail(400, "deviceID does not match the URL")
    key = ctx.param("publicKey")
    if not isinstance(key, str) or "-----BEGIN" not in key:
        raise fail(400, "publicKey must be a PEM encoded public key")
    algorithm = str(ctx.param("algorithm", default="rsa"))
    if algorithm not in ALGORITHMS:
        raise fail(400, "algorithm must be rsa or ecc")
    with ctx.state.lock:
        ctx.state.area(ProvisioningState).keys[device_id] = (algorithm, key)
    return json_response({"ok": True})


# -- manufacturing backup ----------------------------------------------------------------


def _generated_backup(device: FakeDevice) -> bytes:
    """A small, valid zip naming the device: enough for a client to unpack and check."""
    manifest = {"device_id": device.id, "serial_number": device.serial_number}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("manifest.json", date_time=(2024, 1, 1, 0, 0, 0))
        archive.writestr(info, json.dumps({**manifest, "created_at": iso_ms(utcnow())}))
    return buffer.getvalue()


async def download_backup(ctx: Ctx) -> Response:
    device = resolve_device(ctx, ctx.path("deviceId"))
    with ctx.state.lock:
        content = ctx.state.area(BackupState).files.get(device.id)
    return Response(content or _generated_backup(device), media_type="application/zip")


routes: list[Route] = [
    api("/v1/devices/{deviceId}/unprotect", unprotect_device, "PUT"),
    api("/v1/products/{product}/devices/{deviceId}/unprotect", unprotect_product_device, "PUT"),
    api("/v1/orgs/{org}/devices/{deviceId}/unprotect", unprotect_org_device, "PUT"),
    api("/v1/provisioning/{deviceId}", send_public_key, "POST"),
    api("/v1/devices/{deviceId}/backup_files", download_backup, "PUT"),
]
