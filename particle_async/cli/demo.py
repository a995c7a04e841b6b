"""`demo`: the tour (the work is in `_demo.py`)."""

from __future__ import annotations

import click

from ._common import console, examples, run, settings

__all__ = ["commands"]


@click.command(
    epilog=examples(
        "particle-async demo",
        "particle-async demo --seconds 10",
        "particle-async demo --replay events.jsonl",
    )
)
@click.option("--seconds", type=float, default=4.0, show_default=True, help="How long to stream.")
@click.option(
    "--replay",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Stream a recording (particle-async record) instead of simulated devices.",
)
@click.pass_context
def demo(ctx: click.Context, seconds: float, replay: str | None) -> None:
    """Tour the SDK. With no token, against an embedded fake cloud (no internet needed).

    The embedded cloud needs the [testing] extra as well as [cli].
    """
    from ._demo import run_demo

    options = settings(ctx)
    run(ctx, lambda: run_demo(options.token, options.base_url, seconds, console, replay))


commands = (demo,)
