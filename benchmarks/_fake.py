"""The embedded fake cloud, run in a child process for the benchmarks.

`FakeCloud` normally runs uvicorn in a thread of the test's own process. For timing that
is a trap: the server thread and the client share one GIL, and whichever holds it can
make the other wait up to the interpreter's switch interval (5 ms), so per-call figures
turn bimodal. In a child process the server has its own interpreter, as a real one would.

The child prints one JSON line (`base_url`, `token`, `devices` by name), then obeys one
command per stdin line, answering one line each:

    drop        cut every open stream; answers the monotonic clock (ns) just before
    rate <n>    set the cloud's rate limit to n requests/s ("rate none": unlimited)
    streams     the number of open streams
    arrivals    JSON list of the monotonic times (s) at which the rate limiter saw each
                request since the last "rate" command (what the server counts)

It stops when its stdin closes. With `--ticker`, device "ticker" publishes `tick` every
2 ms with its `time.monotonic_ns()` as data (the clock is system wide on Linux).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from types import TracebackType
from typing import Any

from ._proc import start_helper, stop_child

__all__ = ["FakeCloudProcess"]

TICK_INTERVAL = 0.002


class FakeCloudProcess:
    """`with FakeCloudProcess(rate_limit=None) as fake:` then `fake.base_url`, `fake.token`,
    `fake.devices["alpha"]`, `fake.command("drop")`."""

    def __init__(self, *, rate_limit: int | None = None, ticker: bool = False) -> None:
        self._args = ["--rate-limit", str(rate_limit)] + (["--ticker"] if ticker else [])
        self._proc: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.token = ""
        self.devices: dict[str, str] = {}

    def __enter__(self) -> FakeCloudProcess:
        self._proc = start_helper("benchmarks._fake", *self._args)
        hello = json.loads(self._readline())
        self.base_url, self.token, self.devices = (
            hello["base_url"],
            hello["token"],
            hello["devices"],
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_child(proc, 15)

    def command(self, line: str) -> str:
        """Send one command and return its answer (blocking: call it from a thread)."""
        assert self._proc is not None
        assert self._proc.stdin is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()
        return self._readline()

    def _readline(self) -> str:
        assert self._proc is not None
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the fake cloud process ended")
        return line.strip()


def _child(argv: list[str]) -> None:
    from particle_async.testing import FakeCloud  # only the child needs uvicorn

    limit = argv[argv.index("--rate-limit") + 1]
    with FakeCloud(rate_limit=None if limit == "None" else int(limit)) as cloud:
        alpha = cloud.add_device(name="alpha", variables={"temperature": 21.5})
        devices: dict[str, Any] = {"alpha": alpha.id}
        if "--ticker" in argv:
            ticker = cloud.add_device(name="ticker")
            devices["ticker"] = ticker.id
            cloud.simulate(
                ticker, "tick", lambda i: str(time.monotonic_ns()), interval=TICK_INTERVAL
            )
        arrivals = _record_arrivals(cloud)
        hello = {"base_url": cloud.base_url, "token": cloud.token, "devices": devices}
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            command, *args = line.split()
            if command == "drop":
                at = time.monotonic_ns()
                cloud.faults.drop_streams()
                print(at, flush=True)
            elif command == "rate":
                cloud.rate_limit = None if args[0] == "none" else int(args[0])
                arrivals.clear()
                print("ok", flush=True)
            elif command == "arrivals":
                print(json.dumps(arrivals), flush=True)
            elif command == "streams":
                print(cloud.open_streams, flush=True)
            else:
                print(f"unknown command {command!r}", flush=True)


def _record_arrivals(cloud: Any) -> list[float]:
    """Wrap the fake's rate limiter (a private part of it: this is a benchmark probe) to
    note when each request reached it."""
    arrivals: list[float] = []
    limiter = cloud._limiter
    allow = limiter.allow

    def recording_allow(key: str) -> bool:
        arrivals.append(time.monotonic())
        return bool(allow(key))

    limiter.allow = recording_allow
    return arrivals


if __name__ == "__main__":
    _child(sys.argv[1:])
