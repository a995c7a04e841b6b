"""What every command shares: settings from the root group, running async work, one-line
errors, output for people and for scripts.

Exit statuses: 0 done; 1 the command failed (the cloud said no, the network failed, the
device is offline); 2 it was called wrongly (a bad option, no token, a base URL that is
not http(s)); 130 interrupted by Ctrl-C. An error is always one line on stderr, never a
traceback, and never holds the access token.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import anyio
import attrs
import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import (
    ConnectError,
    DeviceOfflineError,
    NetworkError,
    Particle,
    ParticleError,
    UnauthorizedError,
)
from .._client import DEFAULT_BASE_URL
from ._render import plain_columns, to_json
from ._signals import Terminated, until_terminated

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "Settings",
    "console",
    "describe_error",
    "err_console",
    "examples",
    "fail",
    "json_option",
    "print_json",
    "print_table",
    "run",
    "run_with_cloud",
    "settings",
    "validate_base_url",
]

T = TypeVar("T")
FC = TypeVar("FC", bound=Callable[..., Any])
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
EXIT_TERMINATED = 143
NO_TOKEN = "no access token: pass --token TOKEN or set PARTICLE_ACCESS_TOKEN"
console = Console()
err_console = Console(stderr=True)


@attrs.frozen
class Settings:
    """The root group's options, handed to every command through the click context."""

    token: str | None = attrs.field(default=None, repr=False)
    base_url: str | None = None
    verbose: int = 0

    @property
    def url(self) -> str:
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")


def settings(ctx: click.Context) -> Settings:
    found = ctx.find_object(Settings)
    return found if found is not None else Settings()


def examples(*lines: str) -> str:
    """A help epilog that click prints as written (`\\b` stops it re-wrapping the lines)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def json_option(help: str = "Print one JSON document instead of text.") -> Callable[[FC], FC]:
    return click.option("--json", "as_json", is_flag=True, help=help)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """End the command with one line on stderr."""
    click.echo(f"error: {_flat(message)}", err=True)
    sys.exit(code)


def _flat(text: str) -> str:
    """One line: an HTML error page from a proxy must not spill over the terminal."""
    return " ".join(text.split())


def validate_base_url(value: str | None) -> str | None:
    """Reject `api.particle.io` or `ftp://...` before anything is sent (never retried)."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fail(f"--base-url must be an http:// or https:// URL, got {value!r}", EXIT_USAGE)
    return value


def describe_error(exc: ParticleError, *, url: str, subject: str | None = None) -> str:
    """What went wrong, in the words a CLI user needs."""
    if isinstance(exc, DeviceOfflineError):
        who = f"device {subject}" if subject else "the device"
        return f"{who} is offline (the cloud could not reach it: {exc.message})"
    if isinstance(exc, UnauthorizedError):
        return f"{exc} (check --token or PARTICLE_ACCESS_TOKEN)"
    if isinstance(exc, ConnectError):
        return f"cannot connect to {url}: {exc.message}"
    if isinstance(exc, NetworkError):
        return f"network error talking to {url}: {exc.message}"
    return str(exc)


def run(ctx: click.Context, make: Callable[[], Awaitable[T]], *, subject: str | None = None) -> T:
    """Run async work; Ctrl-C and SDK errors end the command with a clear status."""
    try:
        return anyio.run(until_terminated, make)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:  # SIGTERM: cancelled like Ctrl-C, so every stream was closed
        click.echo("terminated", err=True)
        sys.exit(EXIT_TERMINATED)
    except ParticleError as exc:
        fail(describe_error(exc, url=settings(ctx).url, subject=subject))
    except OSError as exc:  # a file flash could not read, say: still one line
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))


def run_with_cloud(
    ctx: click.Context,
    work: Callable[[Particle], Awaitable[T]],
    *,
    subject: str | None = None,
    needs_token: bool = True,
) -> T:
    """Open a `Particle` client from the settings, run `work` with it, close it."""
    options = settings(ctx)
    if needs_token and not options.token:
        fail(NO_TOKEN, EXIT_USAGE)

    async def main() -> T:
        async with Particle(token=options.token or None, base_url=options.base_url) as cloud:
            return await work(cloud)

    return run(ctx, main, subject=subject)


def print_json(document: Any) -> None:
    click.echo(to_json(document))


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None
) -> None:
    """A rich table on a terminal; plain whole columns on a pipe or a file."""
    if not console.is_terminal:
        click.echo(plain_columns(header, rows))
        return
    table = Table(title=title)
    for column in header:
        table.add_column(column, no_wrap=column in ("id", "token"))
    for row in rows:
        table.add_row(*(Text(str(value)) for value in row))
    console.print(table)
