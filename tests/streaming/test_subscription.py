"""EventStream against a real HTTP server on 127.0.0.1: drops, garbage, stalls, 401, 429."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from particle_async import (
    ForbiddenError,
    NotFoundError,
    Particle,
    StreamError,
    UnauthorizedError,
)
from particle_async.streaming import (
    BackoffPolicy,
    EventStream,
    MalformedEventError,
    StreamState,
    StreamStatus,
)

from ..helpers import TOKEN, FakeClock
from .sse_server import Conn, client, frame, scripted_server

pytestmark = pytest.mark.anyio


async def take(stream: EventStream | AsyncIterator[object], n: int) -> list[object]:
    got = []
    with anyio.fail_after(5):
        async for event in stream:
            got.append(event)
            if len(got) == n:
                break
    return got


async def events_then_stall(conn: Conn, names: list[str]) -> None:
    await conn.start_stream()
    for name in names:
        await conn.send(frame(name, name.upper()))
    await conn.wait_closed_by_client()


async def test_events_arrive_typed_and_counted() -> None:
    async def script(conn: Conn) -> None:
        await events_then_stall(conn, ["temp/a", "temp/b", "temp/c"])

    async with scripted_server(script) as server, client(server) as cloud:
        async with cloud.events.subscribe("temp") as stream:
            events = await take(stream, 3)
        assert [e.name for e in events] == ["temp/a", "temp/b", "temp/c"]  # type: ignore[attr-defined]
        assert [e.data for e in events] == ["TEMP/A", "TEMP/B", "TEMP/C"]  # type: ignore[attr-defined]
        assert stream.stats.events == 3
        assert stream.stats.comments == 1
        assert stream.stats.bytes > 0
        assert stream.state is StreamState.CLOSED
        conn = server.connections[0]
        assert conn.path == "/v1/devices/events/temp"
        assert conn.headers["authorization"] == f"Bearer {TOKEN}"
        assert conn.headers["accept"] == "text/event-stream"
        await server.wait_closed(1)  # aclose released the socket


async def test_reconnects_after_server_closes_mid_event() -> None:
    async def first(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("t1", "1") + frame("t2", "2"))
        await conn.send(b'event: t-half\ndata: {"data":"cut')  # then the server hangs up

    async def second(conn: Conn) -> None:
        await events_then_stall(conn, ["t3", "t4"])

    statuses: list[StreamStatus] = []
    async with scripted_server(first, second) as server, client(server) as cloud:
        async with cloud.events.subscribe(on_status=statuses.append) as stream:
            events = await take(stream, 4)
    assert [e.name for e in events] == ["t1", "t2", "t3", "t4"]  # type: ignore[attr-defined]
    assert stream.stats.partial_discarded == 1
    assert stream.stats.reconnects == 1
    assert stream.stats.connects == 2
    states = [s.state for s in statuses]
    assert states[:2] == [StreamState.CONNECTING, StreamState.CONNECTED]
    assert StreamState.RECONNECTING in states
    reconnect = next(s for s in statuses if s.delay is not None)
    assert reconnect.attempt == 1
    assert reconnect.delay is not None
    assert reconnect.delay <= 0.25
    assert states[-1] is StreamState.CLOSED


async def test_idle_stream_is_detected_and_replaced() -> None:
    async def stalls(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("a", "1"))
        await conn.wait_closed_by_client()  # no keep-alives at all

    async def healthy(conn: Conn) -> None:
        await events_then_stall(conn, ["b"])

    async with scripted_server(stalls, healthy) as server, client(server) as cloud:
        async with cloud.events.subscribe(idle_timeout=0.2) as stream:
            events = await take(stream, 2)
        assert [e.name for e in events] == ["a", "b"]  # type: ignore[attr-defined]
        assert stream.stats.idle_timeouts == 1
        await server.wait_closed(2)


async def test_keepalives_keep_a_quiet_stream_alive() -> None:
    gate = anyio.Event()

    async def quiet(conn: Conn) -> None:
        await conn.start_stream()
        for _ in range(6):
            await conn.send(b":\n\n")
            await anyio.sleep(0.05)
        await conn.send(frame("late", "1"))
        gate.set()
        await conn.wait_closed_by_client()

    async with scripted_server(quiet) as server, client(server) as cloud:
        async with cloud.events.subscribe(idle_timeout=0.2) as stream:
            events = await take(stream, 1)
    assert gate.is_set()
    assert [e.name for e in events] == ["late"]  # type: ignore[attr-defined]
    assert stream.stats.idle_timeouts == 0
    assert stream.stats.connects == 1
    assert stream.stats.comments == 7


async def test_garbage_is_flagged_and_the_stream_goes_on() -> None:
    async def script(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(b"event: bad\ndata: {not json\n\n")
        await conn.send(b"\x00\xff garbage line without a colon\n\n")
        await conn.send(b"event: list\ndata: [1,2]\n\n")
        await conn.send(frame("good", "ok"))
        await conn.wait_closed_by_client()

    async with scripted_server(script) as server, client(server) as cloud:
        async with cloud.events.subscribe() as stream:
            events = await take(stream, 3)
    assert [(e.name, e.malformed) for e in events] == [  # type: ignore[attr-defined]
        ("bad", True),
        ("list", True),
        ("good", False),
    ]
    assert events[0].data == "{not json"  # type: ignore[attr-defined]
    assert stream.stats.malformed == 2


async def test_malformed_policies_skip_and_raise() -> None:
    async def script(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(b"event: bad\ndata: nope\n\n" + frame("good", "1"))
        await conn.wait_closed_by_client()

    async with scripted_server(script) as server, client(server) as cloud:
        async with cloud.events.subscribe(malformed="skip") as stream:
            events = await take(stream, 1)
        assert [e.name for e in events] == ["good"]  # type: ignore[attr-defined]
        assert stream.stats.skipped == 1
        assert stream.stats.dropped == 1
        async with cloud.events.subscribe(malformed="raise") as stream:
            with pytest.raises(MalformedEventError) as caught:
                await take(stream, 1)
        assert caught.value.event.data == "nope"


async def test_megabyte_line_is_skipped_within_limits() -> None:
    async def script(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(b"event: huge\ndata: ")
        for _ in range(64):
            await conn.send(b"x" * 16384)
        await conn.send(b"\n\n" + frame("after", "1"))
        await conn.wait_closed_by_client()

    async with scripted_server(script) as server, client(server) as cloud:
        async with cloud.events.subscribe(max_line_bytes=64 * 1024) as stream:
            events = await take(stream, 1)
            assert stream._decoder._partial_size <= 64 * 1024
    assert [e.name for e in events] == ["after"]  # type: ignore[attr-defined]
    assert stream.stats.oversized == 1


@pytest.mark.parametrize(
    ("status", "error"), [(401, UnauthorizedError), (403, ForbiddenError), (404, NotFoundError)]
)
async def test_auth_errors_end_the_stream_without_a_loop(
    status: int, error: type[Exception]
) -> None:
    async def refuse(conn: Conn) -> None:
        await conn.respond(status, b'{"error":"invalid_token","error_description":"nope"}')

    statuses: list[StreamStatus] = []
    async with scripted_server(refuse) as server, client(server) as cloud:
        with pytest.raises(error):
            async with cloud.events.subscribe(on_status=statuses.append):
                pass
        stream = cloud.events.subscribe()
        with pytest.raises(error):
            await take(stream, 1)
        with pytest.raises(error):  # it stays failed: no silent reconnect later
            await take(stream, 1)
    assert len(server.connections) == 2
    assert statuses[-1].state is StreamState.FAILED
    assert isinstance(statuses[-1].error, error)


async def test_401_mid_life_after_a_drop_stops() -> None:
    async def first(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("a", "1"))

    async def refuse(conn: Conn) -> None:
        await conn.respond(401, b'{"error":"invalid_token"}')

    async with scripted_server(first, refuse) as server, client(server) as cloud:
        stream = cloud.events.subscribe()
        got = []
        with pytest.raises(UnauthorizedError):
            async for event in stream:
                got.append(event)
        assert [e.name for e in got] == ["a"]
        assert len(server.connections) == 2
        assert stream.state is StreamState.FAILED


async def test_429_then_200_backs_off_by_retry_after() -> None:
    async def limited(conn: Conn) -> None:
        await conn.respond(429, b'{"error":"Too many requests"}', {"Retry-After": "7"})

    async def ok(conn: Conn) -> None:
        await events_then_stall(conn, ["x"])

    clock = FakeClock()
    async with (
        scripted_server(limited, ok) as server,
        Particle(token=TOKEN, base_url=server.url, rate_limiter=None, clock=clock) as cloud,
        cloud.events.subscribe() as stream,
    ):
        events = await take(stream, 1)
    assert [e.name for e in events] == ["x"]  # type: ignore[attr-defined]
    assert clock.sleeps == [7.0]
    assert stream.stats.reconnects == 1


async def test_5xx_storm_backs_off_exponentially_then_recovers() -> None:
    async def broken(conn: Conn) -> None:
        await conn.respond(503, b"<html>unavailable</html>", {"Content-Type": "text/html"})

    async def ok(conn: Conn) -> None:
        await events_then_stall(conn, ["x"])

    clock = FakeClock()
    scripts = [broken] * 5 + [ok]
    async with (
        scripted_server(*scripts) as server,
        Particle(token=TOKEN, base_url=server.url, rate_limiter=None, clock=clock) as cloud,
        cloud.events.subscribe() as stream,
    ):
        await take(stream, 1)
    assert len(clock.sleeps) == 5
    ceilings = [0.25, 0.5, 1.0, 2.0, 4.0]
    for slept, ceiling in zip(clock.sleeps, ceilings, strict=True):
        assert ceiling / 2 <= slept <= ceiling


async def test_gives_up_after_max_attempts() -> None:
    async def broken(conn: Conn) -> None:
        await conn.respond(502, b"{}")

    async with scripted_server(broken) as server, client(server) as cloud:
        stream = cloud.events.subscribe(backoff=BackoffPolicy(max_attempts=3))
        with pytest.raises(StreamError, match="gave up after 3"):
            await take(stream, 1)
    assert len(server.connections) == 4


async def test_backoff_resets_only_after_a_healthy_period() -> None:
    clock = FakeClock()
    aged = anyio.Event()

    async def dies_at_once(conn: Conn) -> None:
        await conn.start_stream()  # ":ok" and then gone: not healthy

    async def lives_long(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("a", "1"))
        await aged.wait()  # the test moves stream time on by 100 s, then we hang up

    async def ok(conn: Conn) -> None:
        await events_then_stall(conn, ["b"])

    scripts = [dies_at_once, dies_at_once, dies_at_once, lives_long, ok]
    async with (
        scripted_server(*scripts) as server,
        Particle(token=TOKEN, base_url=server.url, rate_limiter=None, clock=clock) as cloud,
        cloud.events.subscribe() as stream,
    ):
        await take(stream, 1)
        clock.t += 100
        aged.set()
        await take(stream, 1)
    # Three quick deaths grow the delay; the long-lived connection resets it to "fast".
    ceilings = [0.25, 0.5, 1.0, 0.25]
    assert len(clock.sleeps) == 4
    for slept, ceiling in zip(clock.sleeps, ceilings, strict=True):
        assert ceiling / 2 <= slept <= ceiling


async def test_client_side_prefix_check() -> None:
    async def leaky(conn: Conn) -> None:
        await events_then_stall(conn, ["other", "temp", "tem", "temperature"])

    async with scripted_server(leaky) as server, client(server) as cloud:
        async with cloud.events.subscribe("temp") as stream:
            events = await take(stream, 2)
    assert [e.name for e in events] == ["temp", "temperature"]  # type: ignore[attr-defined]
    assert stream.stats.filtered == 2


async def test_aclose_from_another_task_is_prompt_and_releases_the_socket() -> None:
    async def quiet(conn: Conn) -> None:
        await conn.start_stream()
        await conn.wait_closed_by_client()

    async with scripted_server(quiet) as server, client(server) as cloud:
        stream = cloud.events.subscribe()
        ended = anyio.Event()

        async def reader() -> None:
            async for _ in stream:
                pass
            ended.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            with anyio.fail_after(5):
                while stream.state is not StreamState.CONNECTED:
                    await anyio.lowlevel.checkpoint()
                await stream.aclose()
                await ended.wait()
        assert stream.state is StreamState.CLOSED
        await server.wait_closed(1)


async def test_plain_async_for_without_context_manager() -> None:
    async def script(conn: Conn) -> None:
        await events_then_stall(conn, ["a", "b"])

    async with scripted_server(script) as server, client(server) as cloud:
        stream = cloud.events.subscribe()
        events = await take(stream, 2)
        await stream.aclose()
        assert [e.name for e in events] == ["a", "b"]  # type: ignore[attr-defined]
        await server.wait_closed(1)
        assert [e async for e in stream] == []  # closed: iteration simply ends


async def test_cancelling_the_reader_leaves_a_usable_stream() -> None:
    async def script(conn: Conn) -> None:
        await conn.start_stream()
        if conn.index == 0:
            await conn.wait_closed_by_client()
            return
        await conn.send(frame("after", "1"))
        await conn.wait_closed_by_client()

    async with scripted_server(script) as server, client(server) as cloud:
        stream = cloud.events.subscribe()
        with anyio.move_on_after(0.1):
            await take(stream, 1)
        events = await take(stream, 1)  # a fresh connection, not a wedged iterator
        await stream.aclose()
    assert [e.name for e in events] == ["after"]  # type: ignore[attr-defined]


async def test_stream_connects_go_through_the_rate_limiter() -> None:
    from particle_async import RateLimiter

    async def script(conn: Conn) -> None:
        await events_then_stall(conn, ["a"])

    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    async with scripted_server(script) as server:
        async with Particle(token=TOKEN, base_url=server.url, rate_limiter=limiter) as cloud:
            async with cloud.events.subscribe() as stream:
                await take(stream, 1)
    assert limiter.statistics().granted == 1
