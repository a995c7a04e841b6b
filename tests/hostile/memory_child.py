"""Run one body-size case in a fresh process and print its peak memory growth as JSON.

`python -m tests.hostile.memory_child <backend> <case> [bomb file]`: a raw server in this
process answers `GET /v1/user` with a huge body (`plain`: 200 MB of JSON whitespace;
`gzip-bomb`: the same, gzipped to ≈200 KB, read from the file `gzipped()` wrote, or made
here), and the default client calls `cloud.user.get()`. The body
is valid JSON (`{}` after the whitespace), so only a size cap can refuse it. A process of
its own means one case's memory cannot pollute another's measurement.
"""

from __future__ import annotations

import json
import resource
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import anyio

from particle_async import Particle, ParticleError

from ..helpers import TOKEN
from .rawserver import Conn, raw_server

SIZE = 200 * 1024 * 1024
CHUNK = 1024 * 1024


def spaces() -> Iterator[bytes]:
    block = b" " * CHUNK
    for _ in range(SIZE // CHUNK):
        yield block
    yield b"{}"


def gzipped() -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip container
    return b"".join(packer.compress(part) for part in spaces()) + packer.flush()


def memory_kb(field: str) -> int:
    """VmRSS or VmHWM (peak) of this process in kB, from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # pragma: no cover


def reset_peak() -> None:
    """Make VmHWM start again from the current RSS (Linux: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:  # pragma: no cover - then the peak includes the setup, which is small
        pass


async def main(bomb: bytes) -> dict[str, object]:
    """Serve the bomb (or, when it is empty, the plain body) and measure the call."""

    async def script(conn: Conn) -> None:
        if bomb:
            headers = {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
            await conn.send_head(200, {"Content-Type": "application/json", **headers})
            await conn.send(bomb)
        else:
            length = str(SIZE + 2)
            await conn.send_head(
                200, {"Content-Type": "application/json", "Content-Length": length}
            )
            for part in spaces():
                await conn.send(part)

    async with raw_server(script) as server:
        async with Particle(token=TOKEN, base_url=server.url, rate_limiter=None) as cloud:
            reset_peak()
            before = memory_kb("VmRSS")
            error = "none"
            try:
                await cloud.user.get()
            except ParticleError as exc:
                error = type(exc).__name__
            peak = memory_kb("VmHWM")
    return {"error": error, "growth_mb": (peak - before) / 1024, "wire_bytes": len(bomb)}


if __name__ == "__main__":
    backend, which, *bomb_path = sys.argv[1:]
    limit = 3 * 1024**3  # a guard for the machine if the cap is missing: fail, don't swap
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    bomb = b""
    if which == "gzip-bomb":
        bomb = Path(bomb_path[0]).read_bytes() if bomb_path else gzipped()
    print(json.dumps(anyio.run(main, bomb, backend=backend)))
