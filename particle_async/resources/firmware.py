"""`cloud.firmware`: compile sources in the cloud, flash devices (source or binary), fetch binaries.

Files go up as `multipart/form-data`, named the way Particle's JavaScript SDK names them:
the first part `file`, then `file2`, `file3`, ... Anything that takes files accepts a path
(`str` or `os.PathLike`; read without blocking the event loop), raw `bytes`, or an open
binary file object; several files as a list, or as a mapping of file name to any of those.
"""

from __future__ import annotations

from typing import Any

from ..models.firmware import BuildTargets, CompileResult, FlashResult
from ._base import ProductId, Resource, path, scoped
from ._upload import Files, FileSource, Progress, Upload, read_uploads
from .device_os import DeviceOS

__all__ = ["Firmware"]


def _looks_binary(parts: list[tuple[str, Upload]]) -> bool:
    """One part that is a `.bin` file, or raw bytes holding NULs: a compiled binary."""
    if len(parts) != 1:
        return False
    name, content, _ = parts[0][1]
    if name.lower().endswith(".bin"):
        return True
    return isinstance(content, bytes) and b"\x00" in content


class Firmware(Resource):
    """Compile, flash and download application firmware."""

    async def compile(
        self,
        files: Files,
        *,
        platform_id: int | None = None,
        target_version: str | None = None,
        product_id: int | None = None,
        progress: Progress | None = None,
    ) -> CompileResult:
        """Compile sources in the cloud (`POST /v1/binaries`); `latest` Device OS by default.

        Then `download_binary(result.binary_id)` fetches the binary.
        """
        form = {
            "platform_id": platform_id,
            "product_id": product_id,
            **_target(target_version),
        }
        body = await self._transport.request(
            "POST",
            "/v1/binaries",
            files=await read_uploads(files, "application.cpp"),
            form=form,
            progress=progress,
        )
        return CompileResult.from_api(body)

    async def flash(
        self,
        device_id: str,
        files: Files,
        *,
        binary: bool | None = None,
        target_version: str | None = None,
        product: ProductId | None = None,
        progress: Progress | None = None,
    ) -> FlashResult:
        """Flash a device over the air with sources (compiled first) or a binary.

        Endpoint: `PUT /v1/devices/:deviceId` (or `/v1/products/:product/devices/:deviceId`).

        `PUT /v1/devices/:id` as multipart. `binary=True` adds `file_type=binary` so the
        cloud skips compiling; `None` guesses (one `.bin` file, or raw bytes with NULs).
        Never re-sent once the request may have reached the cloud.
        """
        defaults = {True: "firmware.bin", False: "application.cpp", None: ""}
        parts = await read_uploads(files, defaults[binary])
        if binary is None:
            binary = _looks_binary(parts)
            parts = [(f, (n or defaults[binary], c, t)) for f, (n, c, t) in parts]
        form = {"file_type": "binary" if binary else None, **_target(target_version)}
        body = await self._transport.request(
            "PUT",
            scoped(product, "devices/{}", device_id),
            files=parts,
            form=form,
            idempotent=False,
            progress=progress,
        )
        return FlashResult.from_api(body)

    async def flash_binary(
        self,
        device_id: str,
        binary: FileSource,
        *,
        product: ProductId | None = None,
        progress: Progress | None = None,
    ) -> FlashResult:
        """Flash a compiled binary (`file_type=binary`): no compile step."""
        return await self.flash(
            device_id, [binary], binary=True, product=product, progress=progress
        )

    async def download_binary(self, binary_id: str) -> bytes:
        """The bytes of a binary a cloud compile produced (`GET /v1/binaries/:id`).

        Endpoint: `GET /v1/binaries/:binaryId`.
        """
        data: bytes = await self._transport.request(
            "GET", path("/v1/binaries/{}", binary_id), expect="bytes"
        )
        return data

    async def list_build_targets(self, *, featured: bool = False) -> BuildTargets:
        """Device OS versions you can compile against (same as `cloud.device_os.build_targets`).

        Endpoint: `GET /v1/build_targets`.
        """
        return await DeviceOS(self._transport).build_targets(featured=featured)


def _target(target_version: str | None) -> dict[str, Any]:
    """`build_target_version`, or `latest=true` when none is given (what the JS SDK sends)."""
    if target_version:
        return {"build_target_version": target_version}
    return {"latest": True}
