"""`python -m benchmarks [stream|fanout|many|reconnect|request ...] [--quick] [--profile]`.

With no names, runs all five in order: stream, fan-out and many-streams against one
loopback SSE server process (`_server.py`), reconnect and request path against the fake
cloud run in a child process (`_fake.py`). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time

from . import distributed, fanout, many, reconnect, request, stream
from ._server import LoopbackServer

NAMES = ("stream", "fanout", "many", "reconnect", "request", "distributed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"any of {', '.join(NAMES)} (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=25,
        default=0,
        metavar="TOP",
        help="also cProfile particle_async in the stream benchmark (top TOP entries)",
    )
    args = parser.parse_args(argv)
    names = args.names or list(NAMES)
    unknown = [name for name in names if name not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    quick = args.quick

    print(f"particle_async benchmarks, {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"{platform.platform()} | {os.cpu_count()} CPUs | Python {platform.python_version()}")
    started = time.perf_counter()
    with LoopbackServer() as server:
        for name in names:
            if name == "stream":
                stream.run(
                    server,
                    n=20_000 if quick else 100_000,
                    rounds=1 if quick else 3,
                    profile_top=args.profile,
                )
            elif name == "fanout":
                fanout.run(server, quick=quick)
            elif name == "many":
                many.run(server, streams=200 if quick else 1000, idle=1.0 if quick else 3.0)
            elif name == "reconnect":
                reconnect.run(drops=5 if quick else 20)
            elif name == "request":
                request.run(quick=quick)
            elif name == "distributed":
                distributed.run(server, quick=quick)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
