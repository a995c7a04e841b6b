"""The limiter under a clock we control: the rate over every window, and arrival order."""

from __future__ import annotations

import anyio
import pytest

from particle_async import RateLimiter

from ..helpers import FakeClock

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _run_callers(
    limiter: RateLimiter, clock: FakeClock, n: int
) -> tuple[list[int], list[int], list[float]]:
    arrived: list[int] = []
    served: list[int] = []
    times: list[float] = []

    async def caller(i: int) -> None:
        arrived.append(i)
        await limiter.acquire()
        served.append(i)
        times.append(clock.now())

    async with anyio.create_task_group() as tg:
        for i in range(n):
            tg.start_soon(caller, i)
    return arrived, served, times


async def test_200_callers_hold_the_rate_in_every_window_and_fifo() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, per=1.0, burst=5, clock=clock)
    arrived, served, times = await _run_callers(limiter, clock, 200)
    assert served == arrived  # strict arrival order: nobody starves
    assert times == sorted(times)
    for i in range(len(times) - 10):
        assert times[i + 10] - times[i] >= 1.0 - 1e-9, f"11 grants within 1 s at {times[i]}"
    # Sustained rate: 200 grants need about 19-20 s, not far more.
    assert 19.0 <= times[-1] <= 20.0
    assert limiter.statistics().granted == 200


async def test_burst_then_even_spacing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, burst=5, clock=clock)
    _, _, times = await _run_callers(limiter, clock, 11)
    assert times[:5] == [0.0] * 5
    assert [round(t, 6) for t in times[5:10]] == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert times[10] == pytest.approx(1.0)  # the window, not the bucket, decides the 11th


async def test_window_without_burst_limit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, burst=None, clock=clock)
    _, _, times = await _run_callers(limiter, clock, 25)
    assert times[:10] == [0.0] * 10
    assert times[10:20] == [pytest.approx(1.0)] * 10
    assert times[20:] == [pytest.approx(2.0)] * 5


async def test_random_arrivals_never_exceed_the_window() -> None:
    import random

    rng = random.Random(7)
    clock = FakeClock()
    limiter = RateLimiter(10, burst=3, clock=clock)
    times: list[float] = []
    for _ in range(300):
        if rng.random() < 0.3:
            await clock.sleep(rng.random() * 0.5)
        await limiter.acquire()
        times.append(clock.now())
    for i in range(len(times) - 10):
        assert times[i + 10] - times[i] >= 1.0 - 1e-9


async def test_pause_holds_everyone() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock)
    await limiter.pause(3.0)
    await limiter.acquire()
    assert clock.now() == 3.0


async def test_cancelled_waiter_frees_its_place() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, burst=1, clock=clock)
    await limiter.acquire()
    with anyio.move_on_after(0):
        await limiter.acquire()
    assert limiter.statistics().waiting == 0


def test_invalid_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
