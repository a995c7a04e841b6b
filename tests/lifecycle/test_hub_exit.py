"""Leaving `async with hub` every way the owner can: the pump's task group is always
exited in the owner's task, and the body's own exception comes out as itself."""

from __future__ import annotations

import anyio
import pytest

from particle_async import Particle
from particle_async.streaming import StreamState

from ..helpers import TOKEN
from ..streaming.sse_server import Conn, ScriptedServer, frame, scripted_server

pytestmark = pytest.mark.anyio


class Gated:
    """A stream that sends one event once the consumers exist (`open()`), then stalls."""

    def __init__(self) -> None:
        self.gate = anyio.Event()

    def open(self) -> None:
        self.gate.set()

    async def __call__(self, conn: Conn) -> None:
        await conn.start_stream()
        await self.gate.wait()
        await conn.send(frame("e", "1"))
        await conn.wait_closed_by_client()


def _client(server: ScriptedServer) -> Particle:
    return Particle(token=TOKEN, base_url=server.url, rate_limiter=None)


async def test_the_bodys_exception_comes_out_as_itself() -> None:
    script = Gated()
    async with scripted_server(script) as server, _client(server) as cloud:
        hub = cloud.events.hub()
        with anyio.fail_after(2), pytest.raises(ValueError, match="app bug"):
            async with hub:
                consumer = hub.subscribe()
                script.open()
                await consumer.__anext__()
                raise ValueError("app bug")
        assert hub.state is StreamState.CLOSED
        await server.wait_closed(1)


async def test_cancelling_the_owner_with_consumers_in_its_own_task_group() -> None:
    """The usual shape: consumers run in a task group inside `async with hub`."""
    script = Gated()
    async with scripted_server(script) as server, _client(server) as cloud:
        got: list[str] = []
        with anyio.fail_after(2):
            with anyio.CancelScope() as owner:
                async with cloud.events.hub() as hub, anyio.create_task_group() as tg:
                    for _ in range(3):
                        consumer = hub.subscribe()

                        async def read(consumer=consumer) -> None:  # type: ignore[no-untyped-def]
                            async for event in consumer:
                                got.append(event.name)
                                if len(got) == 3:
                                    owner.cancel()

                        tg.start_soon(read)
                    script.open()
            assert owner.cancelled_caught
        assert got == ["e", "e", "e"]
        assert hub.state is StreamState.CLOSED
        await server.wait_closed(1)


async def test_closing_the_hub_from_its_own_body_then_leaving() -> None:
    script = Gated()
    async with scripted_server(script) as server, _client(server) as cloud:
        with anyio.fail_after(2):
            async with cloud.events.hub() as hub:
                consumer = hub.subscribe()
                script.open()
                await consumer.__anext__()
                await hub.aclose()
                assert [e async for e in consumer] == []  # ended, nothing raised
                await hub.aclose()  # twice is harmless
        assert hub.state is StreamState.CLOSED
        await server.wait_closed(1)
