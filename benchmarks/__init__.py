"""Benchmarks of particle_async against httpx-sse, raw httpx, aiohttp-sse-client and sockets.

Run with `python -m benchmarks` (see README.md in this folder); not part of the tests.

Which particle_async is measured: the one next to this folder, unless the environment
variable `BENCH_LIBRARY` names another source tree (a checkout whose `particle_async/`
package is to be measured instead, e.g. an older commit for before/after figures). The
switch happens here, before any benchmark module imports the library: that tree goes
first on `sys.path`, ahead of the working directory that `python -m` puts there, so
`import particle_async` resolves inside it, while `benchmarks` (already imported from
here) stays this one. The harness checks `particle_async.__file__` after each run.
"""

from __future__ import annotations

import os
import sys

LIBRARY_ENV = "BENCH_LIBRARY"

if os.environ.get(LIBRARY_ENV):
    if "particle_async" in sys.modules:
        raise RuntimeError(f"{LIBRARY_ENV} is set but particle_async is already imported")
    sys.path.insert(0, os.path.abspath(os.environ[LIBRARY_ENV]))
