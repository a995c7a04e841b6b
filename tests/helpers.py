"""The one set of helpers the suite shares, so that each is defined once.

- time: `FakeClock`, the SDK's virtual clock (the fake cloud's own is
  `particle_async.testing.ManualClock`);
- respx-backed API tests: `mocked_client`, and reading what a call sent (`sent`, `body_of`,
  `query_of`, `json_of`, `form_of`, `parse_multipart`, `fields`, `basic`, `user_or_product`);
- uploads: `Progress` records `progress(sent, total)` calls;
- the SDK against a `FakeCloud`: `sdk`, `anonymous`, `device`.

Test data (payloads, product IDs) stays in the module that uses it; the fake clouds that
several integration modules share live in `tests/integration/worlds/`.
"""

from __future__ import annotations

import base64
import json
import pathlib
import re
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import respx

from particle_async import NOT_GIVEN, Limiter, NotGiven, Particle, RetryPolicy
from particle_async._clock import Clock

if TYPE_CHECKING:
    from particle_async.testing import FakeCloud, FakeDevice

BASE = "https://api.particle.test"
TOKEN = "0123456789abcdef0123456789abcdef01234567"


class FakeClock:
    """Virtual time: `sleep` records the delay, advances `now` and yields once."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)
        await anyio.lowlevel.checkpoint()


# --- respx-backed API tests ---------------------------------------------------------------


def mocked_client(
    router: respx.Router, *, clock: FakeClock | None = None, retry: RetryPolicy | None = None
) -> tuple[Particle, httpx.AsyncClient]:
    """A Particle whose HTTP goes to `router`; no rate limiter, virtual time for retries."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    cloud = Particle(
        token=TOKEN,
        base_url=BASE,
        http_client=http,
        rate_limiter=None,
        clock=clock or FakeClock(),
        retry=retry if retry is not None else NOT_GIVEN,
    )
    return cloud, http


def sent(route: respx.Route, index: int = -1) -> httpx.Request:
    """The request of one call to `route` (the last by default)."""
    return route.calls[index].request


def json_of(request: httpx.Request) -> object:
    """A request's JSON body; it must say it is JSON."""
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


def body_of(route: respx.Route, content_type: str = "application/json") -> Any:
    """The JSON body of the last call to `route`, sent with `content_type`."""
    request = sent(route)
    assert request.headers["Content-Type"] == content_type
    return json.loads(request.content)


def query_of(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(sent(route, index).url.params)


def form_of(request: httpx.Request) -> dict[str, str]:
    """A request's url-encoded form body; it must say it is one."""
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    return dict(httpx.QueryParams(request.content.decode()))


def basic(user: str, password: str) -> str:
    """The `Authorization` header value of HTTP Basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def user_or_product(product: int | str | None, rest: str) -> str:
    """The path of a call made for the user (`product` None) or for a product."""
    return f"/v1/{rest}" if product is None else f"/v1/products/{product}/{rest}"


Part = tuple[str | None, str | None, bytes]


def parse_multipart(request: httpx.Request) -> dict[str, Part]:
    """The parts of a multipart/form-data body: name -> (filename, content type, bytes)."""
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=", 1)[1].encode()
    parts: dict[str, Part] = {}
    for chunk in request.content.split(b"--" + boundary)[1:-1]:
        head, _, body = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        disposition = headers["Content-Disposition"]
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        assert name is not None
        parts[name.group(1)] = (
            filename.group(1) if filename else None,
            headers.get("Content-Type"),
            body.removesuffix(b"\r\n"),
        )
    return parts


def fields(request: httpx.Request) -> dict[str, str]:
    """The plain (non-file) fields of a multipart body."""
    return {k: v[2].decode() for k, v in parse_multipart(request).items() if v[0] is None}


# --- uploads ------------------------------------------------------------------------------


class Progress:
    """Records `progress(sent, total)` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, sent: int, total: int) -> None:
        self.calls.append((sent, total))

    def finished(self) -> bool:
        sent, total = self.calls[-1]
        return total > 0 and sent == total and self.calls[0][0] == 0


def assert_progress_complete(progress: Progress, request: httpx.Request) -> None:
    """`progress` went from 0 to the whole body of `request`, never backwards."""
    total = len(request.content)
    assert progress.calls[0] == (0, total)
    assert progress.calls[-1] == (total, total)
    assert [s for s, _ in progress.calls] == sorted(s for s, _ in progress.calls)


def write(tmp_path: pathlib.Path, name: str, content: bytes) -> pathlib.Path:
    """A real file to upload."""
    path = tmp_path / name
    path.write_bytes(content)
    return path


# --- the SDK against a FakeCloud ----------------------------------------------------------


def sdk(
    fake: FakeCloud,
    token: str | None = None,
    *,
    clock: Clock | None = None,
    rate_limiter: Limiter | NotGiven | None = None,
    retry: RetryPolicy | NotGiven = NOT_GIVEN,
    **options: Any,
) -> Particle:
    """A Particle on `fake` as its default user, or as `token`.

    No client-side rate limit unless `rate_limiter=` says otherwise (`NOT_GIVEN`: the
    SDK's default one): round trips make many quick calls. `clock` is the SDK's time
    (retry back-off, polling); the system clock when not given.
    """
    return Particle(
        token=token or fake.token,
        base_url=fake.base_url,
        rate_limiter=rate_limiter,
        retry=retry,
        clock=clock,
        **options,
    )


def anonymous(fake: FakeCloud) -> Particle:
    """A Particle on `fake` with no token (sign-up, login, the public calls)."""
    return Particle(base_url=fake.base_url, rate_limiter=None)


def device(fake: FakeCloud, name: str) -> FakeDevice:
    """The fake's device called `name`."""
    return next(d for d in fake.devices if d.name == name)
