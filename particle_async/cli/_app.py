"""The `particle-async` root command: global options, and every command group registered.

Each command group lives in its own module exposing `commands`, a tuple of click
commands; adding one is a new module plus one entry in `COMMAND_MODULES`.
"""

from __future__ import annotations

import logging
import sys

import click

from . import _record, account, demo, devices, events, tokens
from ._common import Settings, validate_base_url

__all__ = ["COMMAND_MODULES", "cli", "main"]

COMMAND_MODULES = (devices, events, tokens, account, demo, _record)
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def configure_logging(verbose: int) -> None:
    """Without -v the SDK's log lines (retries, reconnects) stay out of the user's way;
    -v shows particle_async at DEBUG, -vv adds httpx's request lines."""
    ours = logging.getLogger("particle_async")
    if not verbose:
        if not any(isinstance(h, logging.NullHandler) for h in ours.handlers):
            ours.addHandler(logging.NullHandler())  # no "last resort" printing to stderr
        return
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ours.setLevel(logging.DEBUG)
    if verbose > 1:
        logging.getLogger("httpx").setLevel(logging.INFO)


@click.group(
    context_settings=CONTEXT,
    epilog=(
        "\b\nExamples:\n"
        "  particle-async demo                      # no token: an embedded fake cloud\n"
        "  export PARTICLE_ACCESS_TOKEN=...\n"
        "  particle-async list\n"
        "  particle-async subscribe temp --json\n"
        "  particle-async COMMAND -h                # help and examples of one command"
    ),
)
@click.option(
    "--token",
    envvar="PARTICLE_ACCESS_TOKEN",
    metavar="TOKEN",
    help="Access token (or PARTICLE_ACCESS_TOKEN).",
)
@click.option(
    "--base-url",
    envvar="PARTICLE_API_BASE_URL",
    metavar="URL",
    help="API base URL, http(s):// (or PARTICLE_API_BASE_URL).",
)
@click.option("-v", "--verbose", count=True, help="Log retries and reconnects (-vv: requests).")
@click.version_option(package_name="particle_async")
@click.pass_context
def cli(ctx: click.Context, token: str | None, base_url: str | None, verbose: int) -> None:
    """The Particle Device Cloud from the command line, built on particle_async."""
    configure_logging(verbose)
    ctx.obj = Settings(token=token or None, base_url=validate_base_url(base_url), verbose=verbose)


for _module in COMMAND_MODULES:
    for _command in _module.commands:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="particle-async")
