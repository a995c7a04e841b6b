"""Device commands: `list`, `get`, `call`, `ping`, `flash`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from .. import Particle
from ._common import (
    EXIT_ERROR,
    console,
    err_console,
    examples,
    json_option,
    print_json,
    run_with_cloud,
)
from ._render import device_json, print_devices

__all__ = ["commands"]


@click.command(
    "list",
    epilog=examples(
        "particle-async list",
        "particle-async list --json | jq -r '.[] | select(.online) | .id'",
    ),
)
@json_option("Print the devices as one JSON array (the API's fields, plus `platform`).")
@click.pass_context
def list_devices(ctx: click.Context, as_json: bool) -> None:
    """List your devices.

    Id, name, online, platform and when last heard. On a terminal this is a table;
    piped or redirected, plain columns with whole ids.
    """

    async def work(cloud: Particle) -> None:
        devices = await cloud.devices.list()
        if as_json:
            print_json([device_json(device) for device in devices])
        else:
            print_devices(console, devices)

    run_with_cloud(ctx, work)


@click.command(
    epilog=examples(
        "particle-async get 0123456789abcdef01234567 temperature",
        "particle-async get kitchen temperature --json",
    )
)
@click.argument("device")
@click.argument("variable")
@json_option('Print {"device_id", "name", "result"} as JSON.')
@click.pass_context
def get(ctx: click.Context, device: str, variable: str, as_json: bool) -> None:
    """Read a device variable.

    Prints the value of VARIABLE on DEVICE (an id or a name) as JSON text.
    """

    async def work(cloud: Particle) -> None:
        value = await cloud.devices.read_variable(device, variable)
        if as_json:
            print_json({"device_id": value.device_id, "name": value.name, "result": value.result})
        else:
            click.echo(json.dumps(value.result, ensure_ascii=False))

    run_with_cloud(ctx, work, subject=device)


@click.command(
    epilog=examples(
        "particle-async call kitchen brew 202,230",
        "particle-async call kitchen reset --json",
    )
)
@click.argument("device")
@click.argument("function")
@click.argument("argument", default="")
@json_option('Print {"device_id", "name", "connected", "return_value"} as JSON.')
@click.pass_context
def call(ctx: click.Context, device: str, function: str, argument: str, as_json: bool) -> None:
    """Call a device function.

    Calls FUNCTION on DEVICE with ARGUMENT and prints the integer it returned. Never
    re-sent once it may have reached the device, so it runs at most once.
    """

    async def work(cloud: Particle) -> None:
        result = await cloud.devices.call(device, function, argument)
        if as_json:
            print_json(
                {
                    "device_id": result.id,
                    "name": function,
                    "connected": result.connected,
                    "return_value": result.return_value,
                }
            )
        else:
            click.echo(result.return_value)

    run_with_cloud(ctx, work, subject=device)


@click.command(epilog=examples("particle-async ping kitchen", "particle-async ping kitchen --json"))
@click.argument("device")
@json_option('Print {"device", "online"} as JSON.')
@click.pass_context
def ping(ctx: click.Context, device: str, as_json: bool) -> None:
    """Check whether a device is online.

    Asks the cloud whether DEVICE answers now. Exit status 0 online, 1 offline.
    """

    async def work(cloud: Particle) -> bool:
        result = await cloud.devices.ping(device)
        if as_json:
            print_json({"device": device, "online": result.online})
        else:
            click.echo(f"{device}: {'online' if result.online else 'offline'}")
        return result.online

    if not run_with_cloud(ctx, work, subject=device):
        ctx.exit(EXIT_ERROR)


@contextmanager
def _upload_progress(path: Path) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal; one summary line on stderr otherwise."""
    sent = [0]
    if err_console.is_terminal:
        columns = (TextColumn(f"uploading {path.name}"), BarColumn(), DownloadColumn())
        with Progress(*columns, TransferSpeedColumn(), console=err_console) as bar:
            task = bar.add_task("upload", total=None)

            def report(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total or None)

            yield report
        return

    def count(done: int, total: int) -> None:
        sent[0] = done

    yield count
    click.echo(f"uploaded {path.name}: {sent[0]} bytes", err=True)


@click.command(
    epilog=examples(
        "particle-async flash kitchen firmware.bin",
        "particle-async flash kitchen app.ino --target 6.1.0",
    )
)
@click.argument("device")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--binary/--source",
    default=None,
    help="FILE is a compiled binary / source to compile. Default: guessed (.bin is binary).",
)
@click.option("--target", default=None, help="Device OS version to compile against.")
@click.option("--product", default=None, help="Flash through a product (id or slug).")
@json_option('Print {"device", "ok", "status"} as JSON.')
@click.pass_context
def flash(
    ctx: click.Context,
    device: str,
    file: Path,
    binary: bool | None,
    target: str | None,
    product: str | None,
    as_json: bool,
) -> None:
    """Flash firmware over the air.

    Sends FILE (a binary, or source the cloud compiles) to DEVICE, with upload progress
    on stderr. Never re-sent once it may have reached the cloud.
    """

    async def work(cloud: Particle) -> None:
        with _upload_progress(file) as progress:
            result = await cloud.firmware.flash(
                device,
                file,
                binary=binary,
                target_version=target,
                product=product,
                progress=progress,
            )
        status = result.status or result.raw.get("message") or "update started"
        if as_json:
            print_json({"device": device, "ok": result.ok, "status": status})
        else:
            click.echo(f"{device}: {status}")

    run_with_cloud(ctx, work, subject=device)


commands = (list_devices, get, call, ping, flash)
