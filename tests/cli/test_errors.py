"""Errors read for a CLI user: one line on stderr, the right exit status, no traceback,
no token, and nothing retried that cannot succeed."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

from particle_async.testing import FakeCloud

from .helpers import COMMAND, child_env, invoke, run_command

NO_TOKEN = "error: no access token: pass --token TOKEN or set PARTICLE_ACCESS_TOKEN\n"


def refused_url() -> str:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("get", "d", "v"),
        ("call", "d", "f"),
        ("ping", "d"),
        ("whoami",),
        ("publish", "x"),
        ("subscribe", "x"),
        ("token", "revoke", "t"),
        ("flash", "d", __file__),
    ],
)
def test_no_token_names_both_ways_to_give_one(args: tuple[str, ...]) -> None:
    result = invoke(None, *args, env={"PARTICLE_API_BASE_URL": refused_url()})
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", NO_TOKEN)


def test_an_offline_device_is_said_to_be_offline(fake_cloud: FakeCloud) -> None:
    fake_cloud.add_device("gamma", online=False, variables={"t": 1}, functions={"f": len})
    for args in (("get", "gamma", "t"), ("call", "gamma", "f", "x")):
        result = invoke(fake_cloud, *args)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.startswith("error: device gamma is offline (")
        assert len(result.stderr.splitlines()) == 1


def test_not_found_is_one_line_without_the_token(fake_cloud: FakeCloud) -> None:
    result = invoke(fake_cloud, "get", "000000000000000000000000", "temperature")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 404 ")
    assert len(result.stderr.splitlines()) == 1
    assert fake_cloud.token not in result.stderr + result.stdout


def test_a_bad_token_mentions_where_tokens_come_from(fake_cloud: FakeCloud) -> None:
    bad = "f" * 40
    result = invoke(fake_cloud, "list", env={"PARTICLE_ACCESS_TOKEN": bad})
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 401 ")
    assert result.stderr.endswith("(check --token or PARTICLE_ACCESS_TOKEN)\n")
    assert bad not in result.stderr


@pytest.mark.parametrize("url", ["api.particle.io", "ftp://api.particle.io", "http://", "/v1"])
def test_a_base_url_without_http_is_rejected_before_sending(url: str) -> None:
    started = time.monotonic()
    result = invoke(None, "--base-url", url, "list", env={"PARTICLE_ACCESS_TOKEN": "t" * 40})
    assert time.monotonic() - started < 1.0  # nothing was tried, let alone retried
    assert result.exit_code == 2
    assert result.stderr == (f"error: --base-url must be an http:// or https:// URL, got {url!r}\n")


def test_missing_token_in_a_real_process_is_one_line() -> None:
    proc = run_command("list")
    assert proc.returncode == 2
    assert (proc.stdout, proc.stderr) == ("", NO_TOKEN)


@pytest.mark.timeout(60)
def test_refused_connection_is_one_line_and_v_shows_the_retries() -> None:
    """Both runs retry (connect errors are always retried) for a few seconds: in parallel."""
    env = {"PARTICLE_ACCESS_TOKEN": "t" * 40, "PARTICLE_API_BASE_URL": refused_url()}
    quiet, verbose = (
        subprocess.Popen(
            [*COMMAND, *flags, "list"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(**env),
        )
        for flags in ([], ["-v"])
    )
    out, err = quiet.communicate(timeout=50)
    assert quiet.returncode == 1
    assert out == ""
    assert err.startswith(f"error: cannot connect to {env['PARTICLE_API_BASE_URL']}: ")
    assert len(err.splitlines()) == 1, err
    out, err = verbose.communicate(timeout=50)
    assert verbose.returncode == 1
    lines = err.splitlines()
    assert lines[-1].startswith("error: cannot connect to ")
    assert any("retry" in line.lower() for line in lines[:-1]), err  # the SDK's log lines
    assert "Traceback" not in err
    assert "t" * 40 not in err
