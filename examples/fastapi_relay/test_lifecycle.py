"""`drain_on_exit_signals` in this process: a SIGINT sets `Draining` and still reaches the
handler that was installed before, which is back in place afterwards."""

from __future__ import annotations

import signal
from types import FrameType

import anyio
import pytest

from .lifecycle import Draining, drain_on_exit_signals

pytestmark = pytest.mark.anyio


async def test_a_signal_drains_then_reaches_the_previous_handler() -> None:
    seen: list[int] = []

    def previous(signum: int, frame: FrameType | None) -> None:
        seen.append(signum)

    original = signal.signal(signal.SIGINT, previous)
    try:
        draining = Draining()
        with drain_on_exit_signals(draining):
            assert signal.getsignal(signal.SIGINT) is not previous
            signal.raise_signal(signal.SIGINT)
            with anyio.fail_after(5):
                await draining.wait()
        assert draining.is_set
        assert seen == [signal.SIGINT]
        assert signal.getsignal(signal.SIGINT) is previous
    finally:
        signal.signal(signal.SIGINT, original)
