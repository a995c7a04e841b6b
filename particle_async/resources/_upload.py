"""Multipart uploads: turning a path, bytes or a file object into a file part.

Shared by firmware (compile, flash), product firmware, libraries, device and SIM imports.
Paths are read with `anyio.Path` so a large binary never blocks the event loop.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import IO, cast

import anyio

__all__ = ["FileSource", "Files", "Progress", "Upload", "read_upload", "read_uploads"]

FileSource = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]
"""One file to upload: a path, its bytes, or a binary file object opened by you."""

Files = FileSource | Sequence[FileSource] | Mapping[str, FileSource]
"""One file, several, or a mapping of file name (as the cloud should see it) to file."""

Progress = Callable[[int, int], None]
"""`progress(bytes_sent, total_bytes)`, called as an upload's body goes out."""

Upload = tuple[str, bytes | IO[bytes], str]
"""One multipart file part as httpx takes it: (file name, content, content type)."""

_ZIP_MAGIC = b"PK\x03\x04"


def _content_type(name: str, content: bytes | IO[bytes]) -> str:
    """Zip bundles must say `application/zip`; everything else goes as plain bytes."""
    is_zip = name.lower().endswith(".zip") or (
        isinstance(content, bytes) and content.startswith(_ZIP_MAGIC)
    )
    return "application/zip" if is_zip else "application/octet-stream"


async def read_upload(
    source: FileSource,
    default_name: str,
    *,
    name: str | None = None,
    content_type: str | None = None,
) -> Upload:
    """A multipart part for `source`; paths are read in a worker thread, not on the loop."""
    content: bytes | IO[bytes]
    if isinstance(source, (bytes, bytearray, memoryview)):
        filename, content = default_name, bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        file_path = anyio.Path(os.fspath(source))
        filename, content = file_path.name, await file_path.read_bytes()
    else:
        own = getattr(source, "name", None)
        filename = os.path.basename(own) if isinstance(own, str) and own else default_name
        content = source
    filename = name or filename
    return filename, content, content_type or _content_type(filename, content)


async def read_uploads(files: Files, default_name: str) -> list[tuple[str, Upload]]:
    """Parts `file`, `file2`, `file3`, ... in the order given (JS SDK naming)."""
    named: list[tuple[str | None, FileSource]]
    if isinstance(files, Mapping):
        named = list(files.items())
    elif isinstance(files, (str, bytes, bytearray, memoryview, os.PathLike)) or hasattr(
        files, "read"
    ):
        named = [(None, cast(FileSource, files))]
    else:
        named = [(None, f) for f in files]
    if not named:
        raise ValueError("no files to upload")
    parts = []
    for index, (name, source) in enumerate(named):
        field = "file" if index == 0 else f"file{index + 1}"
        parts.append((field, await read_upload(source, default_name, name=name)))
    return parts
