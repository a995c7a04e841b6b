"""`particle-async`: the command line (needs the `[cli]` extra: click and rich)."""

from ._app import main

__all__ = ["main"]
