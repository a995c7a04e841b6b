"""`NOT_GIVEN`: the one way to say "argument not passed", distinct from `None`.

`None` has a meaning of its own in several options (`timeout=None` is "no timeout",
`rate_limiter=None` is "no limiter"), so "use the default" needs its own value. It is
falsy and typed (`NotGiven`), so `x: float | None | NotGiven = NOT_GIVEN` reads as what it
is and mypy checks every use; the pattern is httpx's and openai-python's.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven:
    """The type of `NOT_GIVEN`; compare with `isinstance(x, NotGiven)`."""

    __slots__ = ()

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
