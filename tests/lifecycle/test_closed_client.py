"""After the client is closed: what was made through it has ended, and what is used
afterwards fails at once with `ClientClosedError`, never retried, opening no socket."""

from __future__ import annotations

import anyio
import pytest

from particle_async import ClientClosedError, Particle
from particle_async.streaming import StreamState

from ..helpers import TOKEN
from ..streaming.sse_server import Conn, ScriptedServer, scripted_server

pytestmark = pytest.mark.anyio


async def _stall(conn: Conn) -> None:
    await conn.start_stream()
    await conn.wait_closed_by_client()


def _client(server: ScriptedServer) -> Particle:
    return Particle(token=TOKEN, base_url=server.url, rate_limiter=None)


async def test_a_stream_made_before_the_close_just_ends() -> None:
    async with scripted_server(_stall) as server:
        cloud = _client(server)
        stream = cloud.events.subscribe()
        await cloud.aclose()
        with anyio.fail_after(1):
            assert [event async for event in stream] == []
        assert stream.state is StreamState.CLOSED
        assert server.connections == []


async def test_a_stream_made_after_the_close_fails_once_and_for_all() -> None:
    async with scripted_server(_stall) as server:
        cloud = _client(server)
        await cloud.aclose()
        stream = cloud.events.subscribe()
        with anyio.fail_after(1):
            with pytest.raises(ClientClosedError):
                await stream.__anext__()
            with pytest.raises(ClientClosedError):  # not retried: the same end, at once
                await stream.__anext__()
        assert stream.state is StreamState.FAILED
        assert server.connections == []


async def test_a_hub_started_after_the_close_raises_the_error_itself() -> None:
    async with scripted_server(_stall) as server:
        cloud = _client(server)
        await cloud.aclose()
        hub = cloud.events.hub()
        with anyio.fail_after(1), pytest.raises(ClientClosedError):  # not an ExceptionGroup
            async with hub:
                pass
        assert hub.state is StreamState.CLOSED
        assert server.connections == []


async def test_a_rest_call_after_the_close_opens_nothing() -> None:
    async with scripted_server(_stall) as server:
        cloud = _client(server)
        await cloud.aclose()
        with anyio.fail_after(1), pytest.raises(ClientClosedError):
            await cloud.devices.list()
        with pytest.raises(ClientClosedError):
            await cloud.with_options(timeout=5).devices.list()
        assert server.connections == []


async def test_closing_twice_and_closing_a_derived_client_are_harmless() -> None:
    async with scripted_server(_stall) as server:
        cloud = _client(server)
        derived = cloud.with_options(timeout=5)
        await derived.aclose()  # closes nothing: the parent owns the connections
        assert not cloud.closed
        async with cloud.events.subscribe() as stream:
            await cloud.aclose()
            await cloud.aclose()
            assert stream.closed
        await server.wait_closed(1)
