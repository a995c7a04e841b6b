"""`whoami`: which account the token belongs to."""

from __future__ import annotations

import click

from .. import Particle
from ._common import examples, json_option, print_json, run_with_cloud

__all__ = ["commands"]


@click.command(epilog=examples("particle-async whoami", "particle-async whoami --json"))
@json_option("Print the account as the API returns it, as JSON.")
@click.pass_context
def whoami(ctx: click.Context, as_json: bool) -> None:
    """Print which account the token belongs to.

    Prints the account's username (an email address).
    """

    async def work(cloud: Particle) -> None:
        user = await cloud.user.get()
        if as_json:
            print_json(dict(user.raw))
        else:
            click.echo(user.username or "-")

    run_with_cloud(ctx, work)


commands = (whoami,)
