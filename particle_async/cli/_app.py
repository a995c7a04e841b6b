"""The `particle-async` commands. Each one is a thin shell over the SDK, run with anyio.

Ctrl-C anywhere ends the command cleanly (exit status 130, no traceback), and so does
SIGTERM (exit status 143); SDK errors are printed as one readable line (the token is
never in them) with exit status 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import click
from rich.console import Console

from .. import Particle, ParticleError
from ._render import device_table, event_line
from ._signals import Terminated, until_terminated

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)


def _run(make: Callable[[], Awaitable[T]]) -> T:
    """Run one async command; Ctrl-C and SDK errors end it with a clear status."""
    try:
        return anyio.run(until_terminated, make)
    except KeyboardInterrupt:
        err_console.print("[dim]interrupted[/dim]")
        sys.exit(130)
    except Terminated:  # SIGTERM: cancelled like Ctrl-C, so every stream was closed
        err_console.print("[dim]terminated[/dim]")
        sys.exit(143)
    except ParticleError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)


def _client(ctx: click.Context) -> Particle:
    options: dict[str, Any] = ctx.obj
    return Particle(token=options["token"], base_url=options["base_url"])


@click.group()
@click.option(
    "--token", envvar="PARTICLE_ACCESS_TOKEN", help="Access token (or PARTICLE_ACCESS_TOKEN)."
)
@click.option(
    "--base-url", envvar="PARTICLE_API_BASE_URL", help="API base URL (or PARTICLE_API_BASE_URL)."
)
@click.version_option(package_name="particle_async")
@click.pass_context
def cli(ctx: click.Context, token: str | None, base_url: str | None) -> None:
    """An asyncio client for the Particle Device Cloud."""
    ctx.obj = {"token": token, "base_url": base_url}


@cli.command("list")
@click.pass_context
def list_devices(ctx: click.Context) -> None:
    """List your devices."""

    async def run() -> None:
        async with _client(ctx) as cloud:
            console.print(device_table(await cloud.devices.list()))

    _run(run)


@cli.command()
@click.argument("device")
@click.argument("variable")
@click.pass_context
def get(ctx: click.Context, device: str, variable: str) -> None:
    """Read a device variable."""

    async def run() -> None:
        async with _client(ctx) as cloud:
            click.echo(json.dumps(await cloud.devices.get_variable(device, variable)))

    _run(run)


@cli.command()
@click.argument("device")
@click.argument("function")
@click.argument("argument", default="")
@click.pass_context
def call(ctx: click.Context, device: str, function: str, argument: str) -> None:
    """Call a device function and print its integer result."""

    async def run() -> None:
        async with _client(ctx) as cloud:
            click.echo(await cloud.devices.call_function(device, function, argument))

    _run(run)


@cli.command()
@click.argument("name")
@click.argument("data", required=False)
@click.option("--private/--public", default=True, help="Event visibility (default private).")
@click.option("--ttl", type=int, default=None, help="Time to live in seconds.")
@click.option("--product", default=None, help="Publish to a product (id or slug).")
@click.pass_context
def publish(
    ctx: click.Context,
    name: str,
    data: str | None,
    private: bool,
    ttl: int | None,
    product: str | None,
) -> None:
    """Publish an event."""

    async def run() -> None:
        async with _client(ctx) as cloud:
            await cloud.events.publish(name, data, private=private, ttl=ttl, product=product)
            console.print(f"published {name}")

    _run(run)


@cli.command()
@click.argument("prefix", default="")
@click.option("--device", default=None, help="Only this device's events.")
@click.option("--product", default=None, help="A product's events (id or slug).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--count", type=int, default=None, help="Stop after this many events.")
@click.pass_context
def subscribe(
    ctx: click.Context,
    prefix: str,
    device: str | None,
    product: str | None,
    as_json: bool,
    count: int | None,
) -> None:
    """Stream events whose name starts with PREFIX (reconnects by itself)."""

    async def run() -> None:
        async with _client(ctx) as cloud:
            stream = cloud.events.subscribe(prefix, device=device, product=product)
            seen = 0
            async with stream:
                async for event in stream:
                    click.echo(
                        event_line(event, as_json=as_json)
                    )  # never wrapped: pipes want lines
                    seen += 1
                    if count is not None and seen >= count:
                        return

    _run(run)


@cli.command()
@click.option("--seconds", type=float, default=4.0, show_default=True, help="How long to stream.")
@click.pass_context
def demo(ctx: click.Context, seconds: float) -> None:
    """Tour the SDK. With no token, against an embedded fake cloud (no internet needed)."""
    from ._demo import run_demo

    _run(lambda: run_demo(ctx.obj["token"], ctx.obj["base_url"], seconds, console))


def main() -> None:
    cli(prog_name="particle-async")
