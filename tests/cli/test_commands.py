"""`ping`, `flash`, `token create|list|revoke`, `whoami`, and help on every command."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import click
import pytest

from particle_async import Particle
from particle_async.cli._app import cli
from particle_async.testing import FakeCloud
from particle_async.testing.routes.accounts_mfa import totp
from particle_async.testing.routes.build_firmware import FirmwareState

from .helpers import alpha, invoke

USER, PASSWORD = "user@example.com", "password"


# -- ping ----------------------------------------------------------------------------------


def test_ping_online_and_offline(fake_cloud: FakeCloud) -> None:
    fake_cloud.add_device("gamma", online=False)
    result = invoke(fake_cloud, "ping", "alpha")
    assert (result.exit_code, result.stdout) == (0, "alpha: online\n")
    result = invoke(fake_cloud, "ping", "gamma")
    assert (result.exit_code, result.stdout) == (1, "gamma: offline\n")
    result = invoke(fake_cloud, "ping", "gamma", "--json")
    assert json.loads(result.stdout) == {"device": "gamma", "online": False}


# -- flash ---------------------------------------------------------------------------------


def test_flash_a_binary_reports_the_upload(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    image = b"\x00\x01firmware" * 500
    firmware = tmp_path / "firmware.bin"
    firmware.write_bytes(image)
    result = invoke(fake_cloud, "flash", "alpha", str(firmware))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "alpha: Update started\n"
    uploaded = result.stderr.strip()
    assert uploaded.startswith("uploaded firmware.bin: ")
    assert int(uploaded.split()[-2]) > len(image)  # the whole multipart body went out
    state = fake_cloud.area(FirmwareState)
    assert state.flashed[alpha(fake_cloud)] == image


def test_flash_source_json(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    source = tmp_path / "app.ino"
    source.write_text("void setup() {}\nvoid loop() {}\n")
    result = invoke(fake_cloud, "flash", "beta", str(source), "--source", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"device": "beta", "ok": True, "status": "Update started"}


def test_flash_an_offline_device_is_one_line(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    fake_cloud.add_device("gamma", online=False)
    firmware = tmp_path / "firmware.bin"
    firmware.write_bytes(b"\x00" * 64)
    result = invoke(fake_cloud, "flash", "gamma", str(firmware))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "error: 400 Device is not connected. (PUT " + (
        f"{fake_cloud.base_url}/v1/devices/gamma)"
    )


# -- tokens and whoami ---------------------------------------------------------------------


def test_token_create_prints_only_a_working_token(fake_cloud: FakeCloud) -> None:
    result = invoke(None, "--base-url", fake_cloud.base_url, "token", "create", "-u", USER)
    assert result.exit_code == 1  # no password on stdin: click's prompt aborts
    result = invoke(
        None, "--base-url", fake_cloud.base_url, "token", "create", "-u", USER, input=PASSWORD
    )
    assert result.exit_code == 0, result.stderr
    token = result.stdout.strip()
    assert len(token) == 40
    assert PASSWORD not in result.stdout
    whoami = invoke(fake_cloud, "whoami", env={"PARTICLE_ACCESS_TOKEN": token})
    assert (whoami.exit_code, whoami.stdout) == (0, f"{USER}\n")


def test_token_create_json_and_a_wrong_password(fake_cloud: FakeCloud) -> None:
    args = ("token", "create", "-u", USER, "--expires-in", "3600", "--json")
    result = invoke(fake_cloud, *args, "--password", PASSWORD)
    grant = json.loads(result.stdout)
    assert grant["token_type"] == "bearer"
    assert grant["expires_in"] == 3600
    assert len(grant["access_token"]) == 40
    result = invoke(fake_cloud, *args, "--password", "wrong")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 400 invalid_grant: User credentials are invalid")


def test_token_create_with_mfa_asks_for_the_code(fake_cloud: FakeCloud) -> None:
    async def enrol() -> str:
        async with Particle(token=fake_cloud.token, base_url=fake_cloud.base_url) as cloud:
            enrolment = await cloud.mfa.enable()
            assert enrolment.secret
            await cloud.mfa.confirm(enrolment.mfa_token, totp(enrolment.secret))
            return enrolment.secret

    secret = anyio.run(enrol)
    args = ("token", "create", "-u", USER, "--password", PASSWORD)
    result = invoke(fake_cloud, *args)
    assert (result.exit_code, result.stderr) == (
        1,
        "error: this account uses MFA: pass --otp CODE\n",
    )
    result = invoke(fake_cloud, *args, "--otp", totp(secret))
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.strip()) == 40


def test_token_list(fake_cloud: FakeCloud) -> None:
    result = invoke(fake_cloud, "token", "list", "-u", USER, "--password", PASSWORD)
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["token", "expires", "client"]
    assert any(row.split()[0] == fake_cloud.token for row in rows)
    result = invoke(fake_cloud, "token", "list", "-u", USER, "--password", PASSWORD, "--json")
    assert fake_cloud.token in [entry["token"] for entry in json.loads(result.stdout)]


def test_token_revoke(fake_cloud: FakeCloud) -> None:
    create = ("token", "create", "-u", USER, "--password", PASSWORD)
    doomed = [invoke(fake_cloud, *create).stdout.strip() for _ in range(2)]
    result = invoke(fake_cloud, "token", "revoke", *doomed)
    assert (result.exit_code, result.stdout) == (0, "revoked 2 tokens\n")
    gone = invoke(fake_cloud, "whoami", env={"PARTICLE_ACCESS_TOKEN": doomed[0]})
    assert gone.exit_code == 1
    assert gone.stderr.startswith("error: 401 ")
    assert invoke(fake_cloud, "whoami").exit_code == 0  # the token we used lives on

    last = invoke(fake_cloud, *create).stdout.strip()
    result = invoke(
        fake_cloud, "token", "revoke", "--current", "--json", env={"PARTICLE_ACCESS_TOKEN": last}
    )
    assert json.loads(result.stdout) == {"revoked": 1}
    assert invoke(fake_cloud, "whoami", env={"PARTICLE_ACCESS_TOKEN": last}).exit_code == 1

    result = invoke(fake_cloud, "token", "revoke")
    assert result.exit_code == 2
    assert "name at least one TOKEN, or pass --current" in result.stderr


def test_whoami_json(fake_cloud: FakeCloud) -> None:
    result = invoke(fake_cloud, "whoami", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["username"] == USER


# -- help ----------------------------------------------------------------------------------


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


COMMANDS = all_commands(cli)


def test_the_commands_users_reach_for_exist() -> None:
    names = {" ".join(path) for path in COMMANDS}
    wanted = {"list", "get", "call", "publish", "subscribe", "ping", "flash", "whoami", "demo"}
    assert wanted | {"token create", "token list", "token revoke"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "root")
def test_help_with_dash_h_and_examples_everywhere(path: tuple[str, ...]) -> None:
    short = invoke(None, *path, "-h")
    long = invoke(None, *path, "--help")
    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout
    assert "Examples:" in short.stdout
    assert f"particle-async {' '.join(path)}".strip() in short.stdout.split("Examples:")[1]


def test_version() -> None:
    from particle_async import __version__

    result = invoke(None, "--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout
