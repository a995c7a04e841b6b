"""Item 10: the decoded body is capped (default 32 MiB), read incrementally, gzip included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from particle_async import ResponseDecodeError

from ._support import client
from .memory_child import gzipped
from .rawserver import Conn, Script, raw_server

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def json_body(size: int) -> bytes:
    """A JSON object of about `size` bytes (a valid user, were it small enough)."""
    return b'{"username":"a@example.com","padding":"' + b"a" * size + b'"}'


def sized(body: bytes) -> Script:
    async def script(conn: Conn) -> None:
        await conn.respond(200, body)

    return script


def until_close(body: bytes) -> Script:
    """No Content-Length: the body ends when the connection does."""

    async def script(conn: Conn) -> None:
        await conn.send_head(200, {"Content-Type": "application/json"})
        for start in range(0, len(body), MB):
            await conn.send(body[start : start + MB])

    return script


def chunked(body: bytes) -> Script:
    async def script(conn: Conn) -> None:
        headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        await conn.send_head(200, headers)
        for start in range(0, len(body), MB):
            part = body[start : start + MB]
            await conn.send(b"%x\r\n%b\r\n" % (len(part), part))
        await conn.send(b"0\r\n\r\n")

    return script


FRAMINGS = pytest.mark.parametrize("framing", [sized, until_close, chunked])


@pytest.mark.anyio
@FRAMINGS
async def test_body_over_the_cap_is_a_decode_error(framing) -> None:  # type: ignore[no-untyped-def]
    async with raw_server(framing(json_body(5 * MB))) as server:
        async with client(server, max_body_bytes=1_000_000) as cloud:
            with anyio.fail_after(10), pytest.raises(ResponseDecodeError):
                await cloud.user.get()


@pytest.mark.anyio
@FRAMINGS
async def test_body_under_the_cap_is_read(framing) -> None:  # type: ignore[no-untyped-def]
    async with raw_server(framing(json_body(900_000))) as server:
        async with client(server, max_body_bytes=1_000_000) as cloud:
            with anyio.fail_after(10):
                user = await cloud.user.get()
    assert user.username == "a@example.com"


@pytest.mark.anyio
async def test_default_cap_is_32_mib() -> None:
    async with raw_server(sized(json_body(32 * MB + 1)), sized(json_body(31 * MB))) as server:
        async with client(server) as cloud:
            with anyio.fail_after(20), pytest.raises(ResponseDecodeError):
                await cloud.user.get()
            with anyio.fail_after(20):
                assert (await cloud.user.get()).username == "a@example.com"


@pytest.fixture(scope="module")
def bomb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gzip bomb, compressed once (≈1 s) for every case that sends it."""
    path = tmp_path_factory.mktemp("bomb") / "spaces.gz"
    path.write_bytes(gzipped())
    return path


@pytest.mark.parametrize("case", ["plain", "gzip-bomb"])
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_huge_body_stays_small_in_memory(backend: str, case: str, bomb_file: Path) -> None:
    """200 MB decoded (plain, or a ≈200 KB gzip bomb): refused, RSS grows < 150 MB."""
    child = [sys.executable, "-m", "tests.hostile.memory_child", backend, case, str(bomb_file)]
    done = subprocess.run(
        child,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["error"] == "ResponseDecodeError", result
    assert result["growth_mb"] < 150, result
