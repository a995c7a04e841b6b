"""Optional extras: one clear error when a feature's packages are not installed.

`pip install particle_async` brings only the client. The fake cloud (`[testing]`) and the
command line (`[cli]`) need more; without them, using those parts must end in one line
that names the extra to install, never in a `ModuleNotFoundError` from deep inside
starlette or click. `MissingExtraError` is both a `ParticleError` (our one error root) and
a `ModuleNotFoundError` (so `pytest.importorskip` and `except ImportError` still work).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ._errors import ParticleError

__all__ = ["EXTRAS", "MissingExtraError", "install_hint", "require_extra"]

EXTRAS: dict[str, tuple[str, ...]] = {
    "testing": ("starlette", "uvicorn", "multipart", "python_multipart"),
    "cli": ("click", "rich"),
}
"""The top-level modules each extra provides: a missing one means the extra is missing."""


def install_hint(extra: str) -> str:
    """The command to copy, quoted so shells do not expand the brackets."""
    return f'pip install "particle_async[{extra}]"'


class MissingExtraError(ParticleError, ModuleNotFoundError):
    """A feature was used without its extra; the message says what to install."""

    def __init__(self, feature: str, extra: str, *, missing: str | None = None):
        because = f" ({missing} is not installed)" if missing else ""
        super().__init__(f"{feature} needs the [{extra}] extra{because}: {install_hint(extra)}")
        self.extra = extra
        self.name = missing


@contextlib.contextmanager
def require_extra(extra: str, feature: str) -> Iterator[None]:
    """Turn "No module named <one of the extra's packages>" into a `MissingExtraError`.

    Any other import error (a bug of ours, a broken install) propagates unchanged.
    """
    try:
        yield
    except ModuleNotFoundError as exc:
        top = (exc.name or "").partition(".")[0]
        if top not in EXTRAS[extra]:
            raise
        raise MissingExtraError(feature, extra, missing=top) from None
