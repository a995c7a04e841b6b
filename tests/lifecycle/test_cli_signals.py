"""`until_terminated`, the CLI's SIGTERM handling, in-process on both backends: the
command is cancelled (its cleanup runs), then `Terminated`; its own errors pass as-is."""

from __future__ import annotations

import signal
import sys

import anyio
import pytest

from particle_async import ParticleError
from particle_async.cli._signals import Terminated, until_terminated

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


async def test_sigterm_cancels_the_command_then_raises_terminated() -> None:
    cleaned = []

    async def command() -> None:
        try:
            signal.raise_signal(signal.SIGTERM)  # handled: the receiver is installed first
            await anyio.sleep_forever()
        finally:
            cleaned.append(True)

    with anyio.fail_after(1), pytest.raises(Terminated):
        await until_terminated(command)
    assert cleaned == [True]


async def test_a_result_and_an_error_pass_through_untouched() -> None:
    async def answer() -> int:
        return 42

    async def failing() -> None:
        raise ParticleError("boom")

    assert await until_terminated(answer) == 42
    with pytest.raises(ParticleError, match="boom"):  # itself, not an ExceptionGroup
        await until_terminated(failing)
