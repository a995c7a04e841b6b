"""Which connection pool a stream joins, and that its place is given back.

A client spreads its streams over pools of at most `STREAMS_PER_POOL` live streams
(httpcore slows with its connection count). Places used to be handed out by a counter
that only grew: a service opening and closing streams for days added a pool (an httpx
client) per 500 opens, and derived clients counted on their own, so their streams could
crowd one pool. Each stream now takes a place and gives it back when it ends.
"""

from __future__ import annotations

import gc

import anyio
import pytest

from particle_async import Particle, UnauthorizedError
from particle_async.streaming import EventStream
from particle_async.streaming._pools import PoolPlaces

from ..helpers import TOKEN
from .sse_server import Conn, client, frame, scripted_server

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:9"  # nothing listens: these streams are never read


def small_pools(cloud: Particle, per_pool: int = 2) -> PoolPlaces:
    places: PoolPlaces = cloud._stream_places
    places.per_pool = per_pool
    return places


def test_a_new_stream_joins_the_first_pool_with_room() -> None:
    places = PoolPlaces(per_pool=2)
    assert [places.take() for _ in range(5)] == [0, 0, 1, 1, 2]
    places.give_back(0)
    places.give_back(1)
    assert places.loads == (1, 1, 1)
    assert [places.take(), places.take(), places.take()] == [0, 1, 2]
    assert places.loads == (2, 2, 2)


async def test_a_closed_streams_place_is_taken_again() -> None:
    async with Particle(token=TOKEN, base_url=BASE, rate_limiter=None) as cloud:
        places = small_pools(cloud)
        first, second, third = (cloud.events.subscribe("x") for _ in range(3))
        assert places.loads == (2, 1)
        assert first._http() is second._http() is not third._http()
        await first.aclose()
        assert places.loads == (1, 1)
        again = cloud.events.subscribe("x")
        assert again._http() is second._http()
        await first.aclose()  # closing twice gives back once
        assert places.loads == (2, 1)
        for stream in (second, third, again):
            await stream.aclose()
        assert places.loads == (0, 0)


async def test_a_derived_clients_streams_count_in_the_same_pools() -> None:
    async with Particle(token=TOKEN, base_url=BASE, rate_limiter=None) as cloud:
        places = small_pools(cloud)
        derived = cloud.with_options(timeout=5)
        mine, theirs, third = (
            cloud.events.subscribe("x"),
            derived.events.subscribe("x"),
            derived.events.subscribe("x"),
        )
        assert places.loads == (2, 1)
        assert mine._http() is theirs._http() is not third._http()
        for stream in (mine, theirs, third):
            await stream.aclose()


async def test_a_stream_dropped_unclosed_gives_its_place_back() -> None:
    async with Particle(token=TOKEN, base_url=BASE, rate_limiter=None) as cloud:
        places = small_pools(cloud)
        stream: EventStream | None = cloud.events.subscribe("x")
        assert places.loads == (1,)
        del stream
        gc.collect()
        assert places.loads == (0,)


async def test_a_stream_that_fails_gives_its_place_back() -> None:
    async def refuse(conn: Conn) -> None:
        await conn.respond(401, b'{"error":"invalid_token"}')

    async with scripted_server(refuse) as server, client(server) as cloud:
        places = small_pools(cloud)
        stream = cloud.events.subscribe("x")
        with pytest.raises(UnauthorizedError):
            async with stream:
                pass
        assert places.loads == (0,)


async def test_streams_opened_and_closed_for_a_long_time_reuse_the_same_pools() -> None:
    """Ten rounds of three streams, each read then closed: two pools of two, not fifteen."""

    async def one_event(conn: Conn) -> None:
        await conn.start_stream()
        await conn.send(frame("x", str(conn.index)))
        await anyio.sleep_forever()

    async with scripted_server(one_event) as server, client(server) as cloud:
        small_pools(cloud)
        for _ in range(10):
            streams = [cloud.events.subscribe("x") for _ in range(3)]
            for stream in streams:
                with anyio.fail_after(5):
                    async for _event in stream:
                        break
            for stream in streams:
                await stream.aclose()
        assert len(cloud._stream_pools) == 2
        assert cloud._stream_places.loads == (0, 0)
