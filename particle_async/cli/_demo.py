"""`particle-async demo`: a short tour of the SDK, against the embedded cloud by default.

With no token it starts `particle_async.testing.FakeCloud` on 127.0.0.1 with three
simulated devices, so the tour runs on a fresh machine without an account or internet:
list devices, read a variable, call a function, publish, then stream live events
through one upstream connection fanned out to three consumers, shown live.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import click
from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from .. import Event, Particle
from ..streaming import Consumer
from ._render import event_table, print_devices

__all__ = ["run_demo"]


async def run_demo(
    token: str | None,
    base_url: str | None,
    seconds: float,
    console: Console,
    replay: str | None = None,
) -> None:
    """With `replay` (a `particle-async record` file), the embedded cloud streams that
    recording, with its original spacing, instead of simulated devices' events."""
    if token:
        if replay:
            raise click.UsageError("--replay plays into the embedded cloud: give no token")
        async with Particle(token=token, base_url=base_url) as cloud:
            await _tour(cloud, seconds, console, device_id=None)
        return
    from ..testing import FakeCloud

    console.print("[bold]No token given:[/bold] starting the embedded fake Particle Cloud…")
    async with FakeCloud(keepalive_interval=1.0) as fake:
        kitchen = _populate(fake, simulate=replay is None)
        console.print(f"fake cloud listening on {fake.base_url}")

        async def streaming() -> None:
            if replay is not None:
                await fake.wait_for_streams(1)
                _report(fake.replay(replay), console)

        async with Particle(token=fake.token, base_url=fake.base_url) as cloud:
            await _tour(cloud, seconds, console, device_id=kitchen, streaming=streaming)


def _report(replay: Any, console: Console) -> None:
    console.print(f"replaying {replay.total} events from {replay.path}")
    for skipped in replay.skipped:
        console.print(f"[yellow]line {skipped.line} skipped:[/yellow] {skipped.reason}")


def _populate(fake: Any, simulate: bool = True) -> str:
    """Three devices, publishing on their own if `simulate`; returns the kitchen's id."""
    rng = random.Random(42)
    kitchen = fake.add_device(
        "kitchen-coffee",
        variables={"temperature": lambda: round(20 + rng.random() * 5, 2)},
        functions={"brew": lambda arg: len(arg.split(","))},
    )
    garage = fake.add_device("garage-door", variables={"door": "closed"})
    greenhouse = fake.add_device("greenhouse", platform_id=13, variables={"humidity": 61.5})
    if not simulate:
        return str(kitchen.id)
    fake.simulate(kitchen, "temperature", lambda i: f"{21 + (i % 7) * 0.5:.1f}", interval=0.2)
    fake.simulate(garage, "door", lambda i: "open" if i % 2 else "closed", interval=0.5)
    fake.simulate(greenhouse, "humidity", lambda i: f"{60 + i % 5}", interval=0.3)
    return str(kitchen.id)


async def _tour(
    cloud: Particle,
    seconds: float,
    console: Console,
    device_id: str | None,
    streaming: Callable[[], Awaitable[None]] | None = None,
) -> None:
    devices = await cloud.devices.list()
    print_devices(console, devices)
    target = device_id or (devices[0].id if devices else None)
    if target is not None and device_id is not None:
        value = await cloud.devices.get_variable(target, "temperature")
        console.print(f"variable [bold]temperature[/bold] of {target}: {value}")
        result = await cloud.devices.call_function(target, "brew", "202,230")
        console.print(f"function [bold]brew[/bold]('202,230') returned {result}")
    await cloud.events.publish("demo/hello", "from particle-async")
    console.print("published event demo/hello")
    await _stream(cloud, seconds, console, streaming)


async def _stream(
    cloud: Particle,
    seconds: float,
    console: Console,
    streaming: Callable[[], Awaitable[None]] | None = None,
) -> None:
    hub = cloud.events.hub()
    consumers = {name: hub.subscribe(name, max_queue=100) for name in ("temperature", "door", "")}
    recent: deque[Event] = deque(maxlen=8)
    counts = dict.fromkeys(consumers, 0)

    def frame() -> Group:
        summary = "  ".join(f"{name or 'all'}: {n}" for name, n in counts.items())
        table = event_table(list(recent), title="live events (one upstream, three consumers)")
        return Group(table, Text(summary))

    async def consume(name: str, consumer: Consumer, live: Live) -> None:
        async for event in consumer:
            counts[name] += 1
            if name == "":
                recent.append(event)
                live.update(frame())

    async with hub:
        if streaming is not None:
            await streaming()  # the upstream is open: start what feeds it
        with Live(frame(), console=console, refresh_per_second=8) as live:
            with anyio.move_on_after(seconds):
                async with anyio.create_task_group() as tg:
                    for name, consumer in consumers.items():
                        tg.start_soon(consume, name, consumer, live)
            live.update(frame())  # the final counts, not those of the last "all" event
    stats = hub.source.statistics() if hub.source else None
    console.print()
    console.print(
        f"events received: {counts['']} "
        f"(temperature: {counts['temperature']}, door: {counts['door']})"
    )
    console.print(
        f"upstream connections: {stats.connects if stats else 0}, "
        f"bytes: {stats.bytes if stats else 0}"
    )
