"""`particle-async`: the command line (needs the `[cli]` extra: click and rich).

This module is the console script's entry point and imports neither click nor rich, so
that a plain install (no extras) answers `particle-async` with one line naming the extra
to install instead of a `ModuleNotFoundError` traceback.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["main"]

_NEEDS = ("click", "rich")


def main() -> None:
    """Run the command line, or say in one line which extra it needs (exit status 1)."""
    missing = [name for name in _NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        from .._extras import install_hint

        sys.stderr.write(
            f"particle-async needs the [cli] extra ({', '.join(missing)} not installed): "
            f"{install_hint('cli')}\n"
        )
        sys.exit(1)
    from ._app import main as run

    run()
