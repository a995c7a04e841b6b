"""SIGTERM ends a command the way Ctrl-C does: cancelled, so every `async with` closes
its stream and client, then a clean exit (status 143, no traceback) instead of the
default abrupt death. A process manager (systemd, Docker, Kubernetes) sends SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

__all__ = ["Terminated", "until_terminated"]

T = TypeVar("T")


class Terminated(Exception):
    """The command was ended by SIGTERM (after its cleanup ran)."""


async def until_terminated(make: Callable[[], Awaitable[T]]) -> T:
    """Run `make()`; a SIGTERM cancels it and raises `Terminated` once it has unwound.

    Its own errors propagate as themselves (not in an ExceptionGroup), so the caller's
    `except ParticleError` still sees them.
    """
    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        return await make()  # signals reach only the main thread (and never on Windows)
    scope = anyio.CancelScope()
    result: list[T] = []
    error: Exception | None = None
    with anyio.open_signal_receiver(signal.SIGTERM) as signals:
        async with anyio.create_task_group() as group:

            async def cancel_on_signal() -> None:
                async for _ in signals:
                    scope.cancel()
                    return

            group.start_soon(cancel_on_signal)
            with scope:
                try:
                    result.append(await make())
                except Exception as exc:  # re-raised below, outside the task group
                    error = exc
            group.cancel_scope.cancel()
    if error is not None:
        raise error
    if scope.cancelled_caught:
        raise Terminated
    return result[0]
