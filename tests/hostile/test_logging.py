"""Item 13: with every logger at DEBUG, no record of any library carries a token."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import anyio
import pytest

from particle_async import ServerError, UnauthorizedError

from ..helpers import TOKEN
from ._support import client, take
from .rawserver import Conn, frame, raw_server

OTHER = "fedcba9876543210fedcba9876543210fedcba98"  # a second token, revoked by the test
NOISY = ("httpx", "httpcore", "h11", "hpack", "anyio", "asyncio", "trio", "particle_async")


class Keep(logging.Handler):
    """Keeps every record as it would be printed (message, args and traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def every_log() -> Iterator[Keep]:
    """A root handler at DEBUG and every known logger at DEBUG; all restored afterwards."""
    keep = Keep()
    root = logging.getLogger()
    names = set(NOISY) | set(logging.root.manager.loggerDict)
    saved = {name: logging.getLogger(name).level for name in names}
    saved_root = root.level
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield keep
    finally:
        root.removeHandler(keep)
        root.setLevel(saved_root)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def routed(state: dict[str, int]):  # type: ignore[no-untyped-def]
    """A stream for the events path; every other request gets `state["status"]`."""

    async def script(conn: Conn) -> None:
        if conn.path.startswith("/v1/devices/events"):
            await conn.start_stream()
            await conn.send(frame("x/1", "one"))
            await conn.stall()
        elif state["status"] == 200:
            await conn.respond(200, b'{"ok":true}')
        else:
            body = b'{"error":"invalid_token","error_description":"The access token is invalid"}'
            await conn.respond(state["status"], body)

    return script


@pytest.mark.anyio
async def test_no_log_record_carries_a_token(every_log: Keep) -> None:
    state = {"status": 200}
    async with raw_server(routed(state)) as server, client(server) as cloud:
        with anyio.fail_after(10):
            assert await cloud.tokens.delete(OTHER) is True
            for status in (401, 503):  # a plain failure, then one retried first
                state["status"] = status
                with pytest.raises((UnauthorizedError, ServerError)) as caught:
                    await cloud.tokens.delete(OTHER)
                logging.getLogger("app").error("call failed", exc_info=caught.value)
            state["status"] = 200
            async with cloud.events.subscribe("x") as stream:
                await take(stream, 1)
    sent = [r.path + r.body.decode() + r.headers.get("authorization", "") for r in server.requests]
    assert any(OTHER in text for text in sent), "the revoked token must really go out"
    assert any(TOKEN in text for text in sent)
    assert any(r.name.startswith("httpx") for r in every_log.records), "httpx logged nothing?"
    assert any(r.name.startswith("particle_async") for r in every_log.records)
    leaks = [line for line in every_log.lines if TOKEN in line or OTHER in line]
    assert not leaks, "\n".join(leaks)


def test_package_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("particle_async").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers), handlers


@pytest.mark.anyio
async def test_retries_are_logged_at_debug_not_warning(every_log: Keep) -> None:
    async def flaky(conn: Conn) -> None:
        await conn.respond(503, b'{"error":"busy"}')

    async def fine(conn: Conn) -> None:
        await conn.respond(200, b'{"username":"a@example.com"}')

    async with raw_server(flaky, fine) as server, client(server) as cloud:
        with anyio.fail_after(5):
            assert (await cloud.user.get()).username == "a@example.com"
    ours = [r for r in every_log.records if r.name.startswith("particle_async")]
    assert not [r.getMessage() for r in ours if r.levelno >= logging.WARNING]
    assert any("retr" in r.getMessage().lower() for r in ours if r.levelno == logging.DEBUG)
