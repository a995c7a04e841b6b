"""Record and replay, end to end through the SDK on asyncio and trio: events recorded
from one fake cloud (the recorder `particle-async record` uses), replayed into a fresh
one, come out of the second stream the same, in the same order."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from particle_async import Event
from particle_async.cli._record import record_events
from particle_async.testing import FakeCloud

from ..helpers import sdk

pytestmark = pytest.mark.anyio

DATA = ["21.5", "", '{"t": 21.5, "unit": "°C"}', "line\nbreak", "\u2028 and ✓", "x" * 600]


def _key(event: Event) -> tuple[Any, ...]:
    return (
        event.name,
        event.data,
        event.ttl,
        event.published_at,
        event.device_id,
        event.product_id,
        event.version,
        dict(event.raw),
    )


async def _collect(stream: AsyncIterator[Event], into: list[Event]) -> AsyncGenerator[Event, None]:
    async for event in stream:
        into.append(event)
        yield event


async def _record(path: Path) -> list[Event]:
    seen: list[Event] = []
    async with FakeCloud(rate_limit=None, keepalive_interval=60) as source:
        product = source.add_product(4242, "replayed-product")
        plain = source.add_device("plain")
        fleet = source.add_device("fleet", product_id=product.id)
        async with sdk(source) as cloud, cloud.events.subscribe() as stream:
            await source.wait_for_streams(1)
            for i, data in enumerate(DATA):
                (plain if i % 2 else fleet).publish(f"reading/{i}", data, ttl=30 + i)
            await cloud.events.publish("api/note", "from the API")
            with anyio.fail_after(10), path.open("w", encoding="utf-8") as sink:
                async with contextlib.aclosing(_collect(stream, seen)) as events:
                    written = await record_events(events, sink, count=len(DATA) + 1)
    assert written == len(DATA) + 1
    return seen


async def test_record_then_replay_into_a_fresh_cloud_gives_the_same_events(
    tmp_path: Path,
) -> None:
    recording = tmp_path / "events.jsonl"
    recorded = await _record(recording)
    assert all(json.loads(line)["envelope"] for line in recording.read_text().splitlines())
    async with FakeCloud(rate_limit=None, keepalive_interval=60) as target:
        async with sdk(target) as cloud, cloud.events.subscribe() as stream:
            await target.wait_for_streams(1)
            replay = target.replay(recording, speed=0)
            assert replay.skipped == []
            replayed: list[Event] = []
            with anyio.fail_after(10):
                async for event in stream:
                    replayed.append(event)
                    if len(replayed) == len(recorded):
                        break
            await replay.wait(5)
    assert [_key(e) for e in replayed] == [_key(e) for e in recorded]
    assert {e.product_id for e in replayed} == {4242, None}
    assert any(e.device_id == "api" for e in replayed)


async def test_replayed_spacing_follows_the_recording(tmp_path: Path) -> None:
    recording = tmp_path / "events.jsonl"
    lines = [
        {"name": "tick", "data": str(i), "received_at": f"2024-05-01T12:00:0{i}.000Z"}
        for i in range(3)
    ]
    recording.write_text("\n".join(json.dumps(line) for line in lines))
    async with FakeCloud(rate_limit=None, keepalive_interval=60) as target:
        async with sdk(target) as cloud, cloud.events.subscribe("tick") as stream:
            await target.wait_for_streams(1)
            started = anyio.current_time()
            target.replay(recording, speed=20)  # 2 s of traffic in 0.1 s
            arrivals = []
            with anyio.fail_after(10):
                async for event in stream:
                    arrivals.append((event.data, anyio.current_time() - started))
                    if len(arrivals) == 3:
                        break
    assert [data for data, _ in arrivals] == ["0", "1", "2"]
    assert arrivals[2][1] >= 0.09
