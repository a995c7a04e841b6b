"""Conformance from the docs themselves: every curl example in `../shared/seeds/` (read at
test time, see `docs_examples`) runs against a fresh fake cloud, translated: the docs'
host becomes the fake's base URL, the docs' tokens the fake's (the first token of a code
block is the device owner's, a second one someone else's), `:placeholders` concrete
values. What the example needs is put in the fake first, from the example itself: the
device it names (with the variable it reads or the function it calls), the product, the
token it revokes, the docs' user `joe@example.com` / `SuperSecret`.

Each example is one test, named by seed file and line. It expects the documented status
(or, when the docs show none, success) and the documented response keys, or for a stream
`:ok` and the documented event's keys. Where eras overlap the newest era's example runs
and the older ones are skipped as superseded; Spark-era (2014) examples run against
`FakeCloud(era="2014")` on a clock set in 2014. Examples whose URL is a placeholder
(`https://...`) name no endpoint and are xfail.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from particle_async.testing import FakeCloud, FakeDevice, FakeUser

from .conftest import RawSSE
from .docs_examples import HOSTS, Example, Request, curl_lines, load, parse_curl

ROOT = Path(__file__).resolve().parents[2]
SEEDS = Path(os.environ.get("PARTICLE_DOCS_SEEDS", ROOT.parent / "shared" / "seeds"))
OWNER = ("joe@example.com", "SuperSecret")
STRANGER = ("pete@example.com", "sneaky")
SPARK_ERA = datetime(2014, 3, 1, tzinfo=timezone.utc)  # when the Spark Cloud docs were current
RETURN_VALUE = 42
SOURCES = {  # what a `-F file=@name` uploads, by extension: a minimal app, or a binary image
    ".bin": b"\x00PARTICLE-APP\x00" + bytes(range(256)),
    "": b"void setup() {}\nvoid loop() {}\n",
}


def _params() -> list[Any]:
    if not SEEDS.is_dir():
        reason = f"no docs seeds at {SEEDS} (CI keeps ../shared beside the repo)"
        return [pytest.param(None, id="no-seeds", marks=pytest.mark.skip(reason=reason))]
    params = []
    for example in load(SEEDS):
        marks: list[Any] = []
        if example.superseded_by:
            reason = f"superseded by {example.superseded_by} (the newest era wins)"
            marks.append(pytest.mark.skip(reason=reason))
        elif example.placeholder:
            reason = "placeholder URL `https://...`: shows where credentials go, names no endpoint"
            marks.append(pytest.mark.xfail(reason=reason, run=False, strict=True))
        params.append(pytest.param(example, id=example.id, marks=marks))
    return params


# -- the fake, prepared for one example ----------------------------------------------------


class World:
    """A fake cloud holding what one example presupposes, and the example translated."""

    def __init__(self, cloud: FakeCloud, example: Example) -> None:
        self.cloud = cloud
        self.example = example
        self.owner = cloud.add_user(*OWNER)
        self.stranger = cloud.add_user(*STRANGER)
        self.source: FakeDevice | None = None  # who publishes into a stream
        self.request = self._translate(example.request)
        self._populate(self.request)

    @property
    def token(self) -> str:
        return (self.stranger if self.example.role == "stranger" else self.owner).token

    def _translate(self, request: Request) -> Request:
        url = HOSTS.sub(self.cloud.base_url, request.url)
        url = re.sub(r"/:(\w+)", lambda m: "/" + m.group(1).lower(), url)
        url = re.sub(r"(access_token=)[^&\s]+", rf"\g<1>{self.token}", url)
        revoke = re.search(r"/v1/access_tokens/([0-9a-f]{40})$", url)
        if revoke:  # the token the example deletes: one of joe's
            mine = self.cloud.state.issue_token(self.owner, client="particle").token
            url = url.replace(revoke.group(1), mine)
        data = tuple(
            re.sub(r"^access_token=.*$", f"access_token={self.token}", d) for d in request.data
        )
        headers = tuple(
            (k, f"Bearer {self.token}" if k.lower() == "authorization" else v)
            for k, v in request.headers
        )
        return Request(request.method, url, headers, data, request.files, request.user)

    def _populate(self, request: Request) -> None:
        parts = request.path.strip("/").split("/")
        if parts[:2] == ["v1", "devices"] and len(parts) > 2 and parts[2] != "events":
            name = parts[3] if len(parts) > 3 and parts[3] != "events" else None
            by_id = bool(re.fullmatch(r"[0-9a-f]{24}", parts[2]))  # else the device's name
            self.source = self._device(parts[2], by_id, self.owner, None, name)
        elif parts[:2] == ["v1", "devices"] and request.method == "POST" and "id" in request.form:
            self.cloud.add_device(id=request.form["id"], claimed=False)  # to be claimed
        elif parts[:2] == ["v1", "products"] and len(parts) > 2:
            product = self.cloud.add_product(
                1337, parts[2] if not parts[2].isdigit() else None, members=[self.owner]
            )
            key = parts[4] if parts[3:4] == ["devices"] and len(parts) > 4 else "product-device"
            self.source = self._device(key, True, None, product.id, None)
        if self.source is None:
            self.source = self.cloud.add_device("publisher", owner=self.owner)

    def _device(
        self,
        key: str,
        by_id: bool,
        owner: FakeUser | None,
        product_id: int | None,
        name: str | None,
    ) -> FakeDevice:
        """The device an example names, by ID or by name, with the variable it reads or
        the function it calls (each answering 42)."""
        return self.cloud.add_device(
            None if by_id else key,
            id=key if by_id else None,
            owner=owner,
            claimed=owner is not None,
            product_id=product_id,
            variables={name: RETURN_VALUE} if name else None,
            functions={name: lambda _arg: RETURN_VALUE} if name else None,
        )

    def send(self, http: httpx.Client) -> httpx.Request:
        request = self.request
        headers = dict(request.headers)
        content: bytes | None = None
        files = None
        data = None
        if request.files:
            files = [(k, (v[1:], _upload(v[1:]))) for k, v in request.files if v.startswith("@")]
            data = {k: v for k, v in request.files if not v.startswith("@")}
        elif request.data:
            content = "&".join(request.data).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return http.build_request(
            request.method, request.url, headers=headers, content=content, files=files, data=data
        )


def _upload(filename: str) -> bytes:
    return SOURCES[".bin"] if filename.endswith(".bin") else SOURCES[""]


@pytest.fixture
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    example: Example = request.param
    spark = example.era == 0
    with FakeCloud(
        rate_limit=None,
        keepalive_interval=60,
        era="2014" if spark else "current",
        start_time=SPARK_ERA if spark else None,
    ) as cloud:
        yield World(cloud, example)


# -- the examples --------------------------------------------------------------------------


@pytest.mark.parametrize("world", _params(), indirect=True)
def test_docs_example(world: World) -> None:
    example, expect = world.example, world.example.expect
    auth = world.request.user
    with httpx.Client(timeout=httpx.Timeout(5, read=2), auth=auth, verify=False) as http:
        request = world.send(http)
        if world.request.stream:
            _check_stream(world, http, request)
            return
        response = http.send(request)
    body = response.text[:300]
    if expect.status is not None:
        assert response.status_code == expect.status, f"{example.command}\n{body}"
    else:
        assert response.status_code < 400, f"the docs show this working: {example.command}\n{body}"
    if expect.keys is not None:
        answer = response.json()
        entry = answer[0] if isinstance(answer, list) and answer else answer
        assert isinstance(entry, dict), body
        assert expect.keys <= set(entry), f"documented {sorted(expect.keys)}, got {sorted(entry)}"


def _check_stream(world: World, http: httpx.Client, request: httpx.Request) -> None:
    expect = world.example.expect
    response = http.send(request, stream=True)
    try:
        assert response.status_code == (expect.status or 200), response.read()[:300]
        sse = RawSSE(response)
        assert sse.frame() == b":ok\n\n"
        if expect.event is None:
            return
        world.cloud.wait_for_streams_sync(1)
        assert world.source is not None
        world.source.publish(expect.event, "25.34")
        lines = dict(line.split(": ", 1) for line in sse.frame().decode().strip().splitlines())
        assert lines["event"] == expect.event
        assert expect.event_keys is not None
        assert expect.event_keys <= set(json.loads(lines["data"]))
    finally:
        response.close()


# -- the extractor itself ------------------------------------------------------------------


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"no docs seeds at {SEEDS}")
def test_every_curl_line_of_the_seeds_is_an_example() -> None:
    examples = load(SEEDS)
    assert len(examples) == curl_lines(SEEDS)
    assert len({e.id for e in examples}) == len(examples)
    runnable = [e for e in examples if not e.superseded_by and not e.placeholder]
    assert len(runnable) >= len(examples) // 2


def test_curl_flags_are_translated() -> None:
    request = parse_curl(
        'curl -X PUT -u joe:pw -H "Content-Type: application/json" -d "{\\"a\\": 1}" '
        '-F file=@app.bin -F file_type=binary "https://api.spark.io/v1/devices/x?access_token=t"'
    )
    assert (request.method, request.path, request.query) == (
        "PUT",
        "/v1/devices/x",
        {"access_token": "t"},
    )
    assert request.user == ("joe", "pw")
    assert request.json_body
    assert request.form == {}
    assert request.files == (("file", "@app.bin"), ("file_type", "binary"))
    form = parse_curl('curl https://api.particle.io/v1/devices/events -d "name=a b" -d ttl=60')
    assert (form.method, form.form) == ("POST", {"name": "a b", "ttl": "60"})
    unclosed = parse_curl('curl "https://api.particle.io/v1/events?access_token=1234')
    assert (unclosed.method, unclosed.stream) == ("GET", True)
    escaped = parse_curl(r"curl https://api.particle.io/v1/devices\?access_token=abc")
    assert escaped.query == {"access_token": "abc"}
    with pytest.raises(ValueError, match="--insecure"):
        parse_curl("curl --insecure https://api.particle.io/v1/devices")


OLD_SEED = """
# Spark Cloud API

```bash
curl https://api.spark.io/v1/devices/0123456789abcdef01234567/brew \\
     -d access_token=1111
# Response status is 200 OK

curl https://api.spark.io/v1/devices/0123456789abcdef01234567/brew \\
     -d access_token=2222
# Response status is 403 Forbidden
```

```bash
curl "https://api.spark.io/v1/devices/0123456789abcdef01234567/temp?access_token=1111"
```

```json
// EXAMPLE RESPONSE
{
  "cmd": "VarReturn",
  "result": 42,
  "coreInfo": {
    "last_heard": 2014-08-22T22:33:25.407Z
  }
```
"""

NEW_SEED = """
## API rate limits

A 429 means slow down.

```bash
curl https://api.particle.io/v1/devices/55ff8800beefcafe12345678/brew \\
     -d access_token=3333
# Response status is 200 OK
```

### Request

```bash
curl "https://api.particle.io/v1/products/my-product/events?access_token=3333"
```

### Response

```
HTTP/1.1 200 OK
:ok

event: temperature
data: {"data":"25.34","ttl":"60","published_at":"2015-07-18T00:12:18.174Z","coreid":"x"}
```
"""


def test_the_extractor_on_seeds_of_two_eras(tmp_path: Path) -> None:
    (tmp_path / "a_old.txt").write_text(OLD_SEED)
    (tmp_path / "b_new.txt").write_text(NEW_SEED)
    examples = {e.id: e for e in load(tmp_path)}
    assert curl_lines(tmp_path) == len(examples) == 5
    owner, stranger = examples["a_old.txt:5"], examples["a_old.txt:9"]
    assert (owner.era, owner.role, owner.expect.status) == (0, "owner", 200)
    assert (stranger.role, stranger.expect.status) == ("stranger", 403)
    assert owner.superseded_by == "b_new.txt:7"  # the same call, newer era
    assert stranger.superseded_by is None  # nobody newer shows the stranger's call
    variable = examples["a_old.txt:15"]
    assert variable.expect.keys == {"cmd", "result", "coreInfo"}  # unterminated JSON too
    stream = examples["b_new.txt:15"]
    assert (stream.era, stream.request.stream, stream.expect.event) == (2, True, "temperature")
    assert stream.expect.event_keys == {"data", "ttl", "published_at", "coreid"}
