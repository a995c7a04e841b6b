"""Firmware: cloud compiles (`/v1/binaries`) and OTA flashing.

Flashing shares `PUT /v1/devices/:id` (and its product form) with rename, notes and
signal: the device routes hand a `multipart/form-data` body to `flash`. A compile is
simulated: the "binary" is a deterministic function of the sources, a line `#error ...`
in a source fails the build the way the compiler would, and a flash of an online device
answers "Update started" and publishes `spark/flash/status` "started " then "success ",
as the real cloud does (the 2014 era, `FakeCloud(era="2014")`, answers
`{ok, firmware_binary_id}` instead). Build targets and Device OS versions are in
`build_device_os`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import ZIP_MAGIC, Upload, read_multipart, resolve_product
from .._state import FakeDevice, iso_ms, utcnow
from .._wire import ApiError, Ctx, api, as_int, fail, json_response, permission_denied
from .build_device_os import target_for

BINARY_LIFETIME = timedelta(hours=1)  # how long a compiled binary can be downloaded


# -- state -------------------------------------------------------------------------------


@dataclass
class Binary:
    id: str
    owner: str
    content: bytes
    platform_id: int
    version: str
    expires_at: datetime


@dataclass
class FirmwareState:
    """Compiled binaries by ID, and the last image flashed to each device (for tests)."""

    binaries: dict[str, Binary] = field(default_factory=dict)
    flashed: dict[str, bytes] = field(default_factory=dict)


def store(ctx: Ctx) -> FirmwareState:
    return ctx.state.area(FirmwareState)


# -- compiling ---------------------------------------------------------------------------


def compile_errors(sources: list[Upload]) -> list[str]:
    """gcc-style messages for every `#error` line: the simulated compiler's only failure."""
    errors = []
    for source in sources:
        text = source.content.decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith("#error"):
                message = stripped[len("#error") :].strip().strip('"')
                errors.append(f"{source.filename}:{number}:2: error: #error {message}")
    return errors


def link(sources: list[Upload], platform_id: int, version: str) -> bytes:
    """A deterministic stand-in for the linked image: same sources, same bytes."""
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.filename.encode() + b"\x00" + source.content + b"\x00")
    header = f"PARTICLE-APP platform={platform_id} system={version}".encode()
    return header + b"\x00" + digest.digest() * 8


def size_info(image: bytes) -> str:
    text, data, bss = len(image), 128, 1024
    total = text + data + bss
    return (
        "   text\t   data\t    bss\t    dec\t    hex\tfilename\n"
        f"{text:>7}\t{data:>7}\t{bss:>7}\t{total:>7}\t{total:>7x}\t"
    )


def build(ctx: Ctx, sources: list[Upload], platform_id: int, version: str | None) -> Binary:
    """Compile `sources`: a stored `Binary`, or the 400 a failed build answers."""
    if not sources:
        raise fail(400, "No source files were sent (multipart part `file`)")
    target = target_for(platform_id, version)
    errors = compile_errors(sources)
    if errors:
        output = "\n".join(errors) + "\nmake: *** [user] Error 1"
        raise ApiError(400, {"ok": False, "errors": errors, "output": output})
    binary = Binary(
        id=secrets.token_hex(12),
        owner=ctx.user.username,
        content=link(sources, platform_id, target),
        platform_id=platform_id,
        version=target,
        expires_at=utcnow() + BINARY_LIFETIME,
    )
    with ctx.state.lock:
        store(ctx).binaries[binary.id] = binary
    return binary


def _version(fields: dict[str, str]) -> str | None:
    """`build_target_version`; `latest=true` or nothing means the default version."""
    return fields.get("build_target_version") or None


async def compile_sources(ctx: Ctx) -> Response:
    """`POST /v1/binaries`: `{ok, binary_id, binary_url, expires_at, sizeInfo}`."""
    fields, uploads = await read_multipart(ctx.request)
    platform_id = 6
    if fields.get("product_id"):
        platform_id = resolve_product(ctx, fields["product_id"]).platform_id
    if fields.get("platform_id"):
        platform_id = as_int(fields["platform_id"], "platform_id")
    binary = build(ctx, uploads, platform_id, _version(fields))
    return json_response(
        {
            "ok": True,
            "binary_id": binary.id,
            "binary_url": f"/v1/binaries/{binary.id}",
            "build_target_version": binary.version,
            "expires_at": iso_ms(binary.expires_at),
            "sizeInfo": size_info(binary.content),
        }
    )


async def download_binary(ctx: Ctx) -> Response:
    """`GET /v1/binaries/:id`: the image bytes, for the account that compiled it."""
    with ctx.state.lock:
        binary = store(ctx).binaries.get(ctx.path("binaryId"))
    if binary is None or binary.expires_at <= utcnow():
        raise fail(404, "Binary not found")
    if binary.owner != ctx.user.username:
        raise permission_denied()
    return Response(binary.content, media_type="application/octet-stream")


# -- flashing ----------------------------------------------------------------------------


def _is_image(upload: Upload) -> bool:
    """A compiled binary or a bundle rather than source: `.bin`, a zip, or NUL bytes."""
    return (
        upload.filename.lower().endswith((".bin", ".zip"))
        or upload.content.startswith(ZIP_MAGIC)
        or b"\x00" in upload.content
    )


def _image(uploads: list[Upload]) -> bytes:
    if len(uploads) != 1:
        raise fail(400, "Flash exactly one binary or bundle (multipart part `file`)")
    upload = uploads[0]
    if upload.content.startswith(ZIP_MAGIC) and upload.content_type != "application/zip":
        raise fail(400, "A bundle must be sent with the MIME type application/zip")
    return upload.content


async def flash(ctx: Ctx, device: FakeDevice) -> Response:
    """A multipart `PUT` on a device (user or product route; the caller resolved and
    authorized `device`): flash a binary (`file_type=binary`, or one `.bin`/zip part),
    or compile sources for the device's platform first."""
    fields, uploads = await read_multipart(ctx.request)
    if not uploads:
        raise fail(400, "Nothing to flash: send the firmware as multipart part `file`")
    binary = fields.get("file_type") == "binary" or (len(uploads) == 1 and _is_image(uploads[0]))
    answer: dict[str, Any]
    if binary:
        image, answer = _image(uploads), {"id": device.id, "status": "Update started"}
        built_id = secrets.token_hex(12)
    else:
        built = build(ctx, uploads, device.platform_id, _version(fields))
        image, answer, built_id = built.content, {"ok": True, "message": "Update started"}, built.id
    spark_era = ctx.services.era == "2014"
    if spark_era:  # the Spark Cloud docs: `{ok, firmware_binary_id}` whatever was sent
        answer = {"ok": True, "firmware_binary_id": built_id}
    if not device.online:
        failed: dict[str, Any] = {"ok": False, "errors": ["Device is not connected."]}
        if spark_era:
            failed["firmware_binary_id"] = built_id
        raise ApiError(400, failed)
    with ctx.state.lock:
        store(ctx).flashed[device.id] = image
    device.publish("spark/flash/status", "started ")
    device.publish("spark/flash/status", "success ")
    return json_response(answer)


routes: list[Route] = [
    api("/v1/binaries", compile_sources, "POST"),
    api("/v1/binaries/{binaryId}", download_binary, "GET"),
]
