"""`token create | list | revoke`: access tokens, like Particle's own CLI.

Creating and listing tokens takes your username and password (the API wants them, not a
token); the password is prompted for, hidden, unless `--password` or PARTICLE_PASSWORD
gives it. `create` prints only the new token, so `$(particle-async token create ...)` works.
"""

from __future__ import annotations

import click

from .. import Particle, ParticleError
from ..resources.mfa import MfaRequired
from ._common import examples, json_option, print_json, print_table, run_with_cloud

__all__ = ["commands"]

_username = click.option(
    "--username", "-u", required=True, envvar="PARTICLE_USERNAME", help="Account email."
)
_password = click.option(
    "--password",
    envvar="PARTICLE_PASSWORD",
    help="Account password (or PARTICLE_PASSWORD; else asked for, hidden).",
)


def _ask(password: str | None) -> str:
    """The password, prompted for on stderr: stdout holds only the result."""
    if password is not None:
        return password
    return str(click.prompt("Password", hide_input=True, err=True))


_otp = click.option("--otp", default=None, help="One-time code, for accounts with MFA.")


@click.group(
    epilog=examples(
        "particle-async token create -u me@example.com --expires-in 3600",
        "particle-async token list -u me@example.com --json",
        "particle-async token revoke 1f2e3d...",
    )
)
def token() -> None:
    """Create, list and revoke access tokens."""


@token.command(
    epilog=examples(
        "export PARTICLE_ACCESS_TOKEN=$(particle-async token create -u me@example.com)",
    )
)
@_username
@_password
@_otp
@click.option("--expires-in", type=int, default=None, help="Lifetime in seconds (0: never).")
@json_option('Print {"access_token", "token_type", "expires_in", "refresh_token"} as JSON.')
@click.pass_context
def create(
    ctx: click.Context,
    username: str,
    password: str | None,
    otp: str | None,
    expires_in: int | None,
    as_json: bool,
) -> None:
    """Log in and print a new access token."""
    secret = _ask(password)

    async def work(cloud: Particle) -> None:
        try:
            grant = await cloud.tokens.create(username, secret, expires_in=expires_in, otp=otp)
        except MfaRequired:
            raise ParticleError("this account uses MFA: pass --otp CODE") from None
        if as_json:
            print_json(
                {
                    "access_token": grant.access_token,
                    "token_type": grant.token_type,
                    "expires_in": grant.expires_in,
                    "refresh_token": grant.refresh_token,
                }
            )
        else:
            click.echo(grant.access_token)

    run_with_cloud(ctx, work, needs_token=False)


@token.command(
    "list",
    epilog=examples(
        "particle-async token list -u me@example.com",
        "particle-async token list -u me@example.com --json | jq -r '.[].token'",
    ),
)
@_username
@_password
@_otp
@json_option('Print [{"token", "expires_at", "client"}, ...] as JSON.')
@click.pass_context
def list_tokens(
    ctx: click.Context, username: str, password: str | None, otp: str | None, as_json: bool
) -> None:
    """List the account's access tokens."""
    secret = _ask(password)

    async def work(cloud: Particle) -> None:
        tokens = await cloud.tokens.list(username, secret, otp=otp)
        documents = [
            {
                "token": t.token,
                "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                "client": t.client,
            }
            for t in tokens
        ]
        if as_json:
            print_json(documents)
            return
        rows = [
            [d["token"] or "-", d["expires_at"] or "never", d["client"] or "-"] for d in documents
        ]
        print_table(("token", "expires", "client"), rows, title=f"{len(rows)} tokens")

    run_with_cloud(ctx, work, needs_token=False)


@token.command(
    epilog=examples(
        "particle-async token revoke TOKEN1 TOKEN2", "particle-async token revoke --current"
    )
)
@click.argument("tokens", nargs=-1)
@click.option("--current", is_flag=True, help="Revoke the token this command uses (log out).")
@json_option('Print {"revoked": N} as JSON.')
@click.pass_context
def revoke(ctx: click.Context, tokens: tuple[str, ...], current: bool, as_json: bool) -> None:
    """Revoke access tokens.

    Revokes TOKENS using the access token of --token / PARTICLE_ACCESS_TOKEN.
    """
    if not tokens and not current:
        raise click.UsageError("name at least one TOKEN, or pass --current")

    async def work(cloud: Particle) -> int:
        for value in tokens:
            await cloud.tokens.delete(value)
        if current:
            await cloud.tokens.delete_current()
        return len(tokens) + int(current)

    revoked = run_with_cloud(ctx, work)
    if as_json:
        print_json({"revoked": revoked})
    else:
        click.echo(f"revoked {revoked} token{'s' if revoked != 1 else ''}")


commands = (token,)
