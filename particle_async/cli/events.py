"""Event commands: `publish` and `subscribe`."""

from __future__ import annotations

import click

from .. import Particle, ParticleError
from ..streaming import StreamState, StreamStatus
from ._common import examples, json_option, print_json, run_with_cloud, settings
from ._render import event_line

__all__ = ["commands", "status_line"]


@click.command(
    epilog=examples(
        "particle-async publish door/open front --ttl 60",
        "particle-async publish fleet/config '{\"rate\": 5}' --product my-product --json",
    )
)
@click.argument("name")
@click.argument("data", required=False)
@click.option("--private/--public", default=True, help="Event visibility (default private).")
@click.option("--ttl", type=int, default=None, help="Time to live in seconds.")
@click.option("--product", default=None, help="Publish to a product (id or slug).")
@json_option('Print {"ok", "name", "data", "private", "ttl"} as JSON.')
@click.pass_context
def publish(
    ctx: click.Context,
    name: str,
    data: str | None,
    private: bool,
    ttl: int | None,
    product: str | None,
    as_json: bool,
) -> None:
    """Publish an event.

    Publishes NAME with optional DATA; sent once, never retried after sending.
    """

    async def work(cloud: Particle) -> None:
        ok = await cloud.events.publish(name, data, private=private, ttl=ttl, product=product)
        if as_json:
            print_json({"ok": ok, "name": name, "data": data, "private": private, "ttl": ttl})
        else:
            click.echo(f"published {name}")

    run_with_cloud(ctx, work)


def status_line(status: StreamStatus, *, where: str) -> str | None:
    """What `subscribe` says on stderr about a state change (None: nothing to say)."""
    if status.state is StreamState.CONNECTING:
        return f"connecting to {where}…"
    if status.state is StreamState.CONNECTED:
        return "connected" if status.attempt == 0 else f"reconnected (attempt {status.attempt})"
    if status.state is StreamState.RECONNECTING and status.delay is not None:
        error = status.error
        detail = error.message if isinstance(error, ParticleError) else str(error)
        why = f" ({detail})" if error is not None else ""  # the URL is in "connecting to"
        return f"reconnecting in {status.delay:.2f}s (attempt {status.attempt}){why}"
    return None


@click.command(
    epilog=examples(
        "particle-async subscribe temp",
        "particle-async subscribe --device kitchen --count 10",
        "particle-async subscribe temp --json | jq -r .data",
    )
)
@click.argument("prefix", default="")
@click.option("--device", default=None, help="Only this device's events.")
@click.option("--product", default=None, help="A product's events (id or slug).")
@json_option("One JSON object per line.")
@click.option("--count", type=int, default=None, help="Stop after this many events.")
@click.option("-q", "--quiet", is_flag=True, help="No connection status on stderr.")
@click.pass_context
def subscribe(
    ctx: click.Context,
    prefix: str,
    device: str | None,
    product: str | None,
    as_json: bool,
    count: int | None,
    quiet: bool,
) -> None:
    """Stream events, one line each.

    Events whose name starts with PREFIX, until Ctrl-C (or --count). Reconnects by itself; stderr says when it connects and each time it retries (with
    the attempt and the delay). Newlines inside event data are escaped as \\n.
    """
    where = settings(ctx).url

    def on_status(status: StreamStatus) -> None:
        line = None if quiet else status_line(status, where=where)
        if line is not None:
            click.echo(line, err=True)

    async def work(cloud: Particle) -> None:
        stream = cloud.events.subscribe(prefix, device=device, product=product, on_status=on_status)
        seen = 0
        async with stream:
            async for event in stream:
                click.echo(event_line(event, as_json=as_json))
                seen += 1
                if count is not None and seen >= count:
                    return

    run_with_cloud(ctx, work, subject=device)


commands = (publish, subscribe)
