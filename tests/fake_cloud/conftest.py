"""Shared fixtures: the fake is driven only through HTTP, with plain httpx."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest

from particle_async.testing import FakeCloud, FakeUser

_serial = itertools.count()


class RawSSE:
    """Reads an event stream's raw bytes one frame (up to a blank line) at a time, so
    assertions compare exact bytes whatever the chunking."""

    def __init__(self, response: httpx.Response) -> None:
        self._chunks = response.iter_raw()
        self._buffer = b""

    def frame(self) -> bytes:
        while b"\n\n" not in self._buffer:
            self._buffer += next(self._chunks)
        frame, _, self._buffer = self._buffer.partition(b"\n\n")
        return frame + b"\n\n"

    def rest(self) -> bytes:
        """Everything until the server ends the response."""
        return self._buffer + b"".join(self._chunks)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """The fake's async use and the plugin's fixture run on both backends."""
    return str(request.param)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloud]:
    """One unlimited cloud per module; each test makes its own user and devices."""
    with FakeCloud(rate_limit=None) as fake:
        yield fake


@pytest.fixture
def user(cloud: FakeCloud) -> FakeUser:
    return cloud.add_user(f"user{next(_serial)}@example.com", "secret")


@pytest.fixture
def other(cloud: FakeCloud) -> FakeUser:
    return cloud.add_user(f"other{next(_serial)}@example.com", "secret")


def http_client(cloud: FakeCloud, token: str, timeout: httpx.Timeout | float = 5) -> httpx.Client:
    """Plain HTTP to loopback: `verify=False` only skips loading the CA bundle (~30 ms)."""
    return httpx.Client(
        base_url=cloud.base_url, headers=bearer(token), timeout=timeout, verify=False
    )


@pytest.fixture
def client(cloud: FakeCloud, user: FakeUser) -> Iterator[httpx.Client]:
    with http_client(cloud, user.token) as http:
        yield http
