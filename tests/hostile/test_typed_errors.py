"""Item 12: bad configuration is refused up front, and only ParticleErrors leave a call."""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable

import anyio
import pytest

from particle_async import Particle, ParticleError
from particle_async.streaming import BackoffPolicy

from ..helpers import TOKEN, FakeClock
from ._support import ConfigurationError, client
from .rawserver import Conn, Script, raw_server, reply

BAD_TOKENS = {
    "non-ascii": "abc\u00e9def0123456789abcdef0123456789",
    "space": "abcdef0123456789 abcdef0123456789",
    "newline": "abcdef0123456789\nX-Injected: yes",
    "crlf": "abcdef0123456789abcdef0123456789\r\n",
    "tab": "\tabcdef0123456789abcdef0123456789",
    "nul": "abcdef0123456789\x00abcdef0123456789",
    "line-separator": "abcdef0123456789\u2028abcdef01234567",
}
TOKENS = pytest.mark.parametrize("token", list(BAD_TOKENS.values()), ids=list(BAD_TOKENS))


def assert_hides(error: BaseException, token: str) -> None:
    """Neither the error nor anything chained to it shows the token (or its halves)."""
    shown = [str(error), repr(error), "".join(traceback.format_exception(error))]
    pieces = [token, *(part for part in token.split() if len(part) >= 8)]
    for text in shown:
        for piece in pieces:
            assert piece not in text, text


@TOKENS
def test_bad_token_is_refused_when_given(token: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Particle(token=token, base_url="http://127.0.0.1:9")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, ParticleError)
    assert_hides(caught.value, token)


@pytest.mark.parametrize(
    "token",
    [t for k, t in BAD_TOKENS.items() if k != "nul"],
    ids=[k for k in BAD_TOKENS if k != "nul"],
)  # an environment variable cannot hold a NUL
def test_bad_token_from_the_environment_is_refused(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTICLE_ACCESS_TOKEN", token)
    with pytest.raises(ConfigurationError) as caught:
        Particle(base_url="http://127.0.0.1:9")
    assert_hides(caught.value, token)


@TOKENS
def test_use_token_refuses_a_bad_token(token: str) -> None:
    cloud = Particle(token=TOKEN, base_url="http://127.0.0.1:9")
    with pytest.raises(ConfigurationError) as caught:
        cloud.use_token(token)
    assert_hides(caught.value, token)


@pytest.mark.parametrize(
    "base_url", ["api.particle.io", "ftp://api.particle.io", "http://", "file:///etc/passwd"]
)
def test_base_url_must_be_http(base_url: str) -> None:
    with pytest.raises(ConfigurationError):
        Particle(token=TOKEN, base_url=base_url)


# -- the sweep: hostile answers to many public calls ---------------------------------
DEVICE = "0123456789abcdef01234567"
Call = Callable[[Particle], Awaitable[object]]
CALLS: dict[str, Call] = {
    "devices.list": lambda c: c.devices.list(),
    "devices.get": lambda c: c.devices.get(DEVICE),
    "devices.get_variable": lambda c: c.devices.get_variable(DEVICE, "temp"),
    "devices.call_function": lambda c: c.devices.call_function(DEVICE, "led", "on"),
    "devices.ping": lambda c: c.devices.ping(DEVICE),
    "user.get": lambda c: c.user.get(),
    "tokens.current": lambda c: c.tokens.current(),
    "tokens.delete": lambda c: c.tokens.delete("fedcba9876543210fedcba9876543210fedcba98"),
    "events.publish": lambda c: c.events.publish("x/1", "data"),
    "products.list": lambda c: c.products.list(),
    "products.devices.list": lambda c: c.products.devices.list(1234),
    "products.devices.iter": lambda c: c.products.devices.iter(1234).collect(),
    "customers.list": lambda c: c.customers.list(1234),
    "events.subscribe": lambda c: first_event(c),
}


async def first_event(cloud: Particle) -> object:
    """A stream gives up after two failed attempts here (the default retries forever)."""
    give_up = BackoffPolicy(initial=0.01, cap=0.02, max_attempts=2)
    async with cloud.events.subscribe("x", backoff=give_up) as stream:
        return await stream.__anext__()


async def reset_mid_body(conn: Conn) -> None:
    await conn.send_head(200, {"Content-Type": "application/json", "Content-Length": "100"})
    await conn.send(b'{"id": "01')
    await conn.reset()


async def head_only_then_close(conn: Conn) -> None:
    await conn.send_head(200, {"Content-Type": "application/json", "Content-Length": "100"})


async def garbage_status_line(conn: Conn) -> None:
    await conn.send(b"HTTP/1.1 two hundred OK\r\n\r\n{}")


HOSTILE: dict[str, Script] = {
    "html": reply(200, b"<html><body>Sign in to the Wi-Fi</body></html>", {"Content-Type": "text/html"}),
    "truncated-json": reply(200, b'{"id": "0123", "name": "d'),
    "wrong-shape-string": reply(200, b'"abc"'),
    "wrong-shape-list": reply(200, b"[1, 2]"),
    "empty-200": reply(200, b""),
    "deep-nesting": reply(200, b"[" * 100_000 + b"]" * 100_000),
    "invalid-utf8": reply(200, b'{"name": "\xff\xfe\xfd"}'),
    "binary": reply(200, bytes(range(256))),
    "html-500": reply(500, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}),
    "null-404": reply(404, b"null"),
    "string-401": reply(401, b'"no"'),
    "429-garbage-retry-after": reply(429, b"{}", {"Retry-After": "soon, maybe"}),
    "reset-mid-body": reset_mid_body,
    "closed-mid-body": head_only_then_close,
    "garbage-status-line": garbage_status_line,
}  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize("script", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_only_particle_errors_escape(script: Script) -> None:
    escaped: list[str] = []
    async with raw_server(script) as server, client(server, clock=FakeClock()) as cloud:
        for name, call in CALLS.items():
            try:
                with anyio.fail_after(5):
                    await call(cloud)
            except ParticleError:
                pass
            except Exception as exc:  # what this test is about
                escaped.append(f"{name}: {type(exc).__name__}: {exc!s:.100}")
    assert not escaped, "\n".join(escaped)
