"""The curl examples of the Particle Cloud API docs (`../shared/seeds/`), read at test time:
each example's command, what it documents (status, response keys, an event stream), its
docs era, and which example supersedes it where eras overlap.

Eras: a seed that documents rate limiting (`429`) is the newest (2), one on
`api.spark.io` the oldest (0), any other in between (1). Two examples overlap when they
make the same call (method, path with IDs generalised, parameter names, where the token
travels, and whose token it is); the one from the newest era is run, the others are
reported as superseded by it.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

HOSTS = re.compile(r"^https?://api\.(?:particle|spark)\.io")
FENCE = re.compile(r"^\s*```")
HEADING = re.compile(r"^#{1,6}\S?")
SETEXT = re.compile(r"^[-=]{3,}\s*$")
DEVICE_ID = re.compile(r"^[0-9a-f]{24}$")
STATUS_COMMENT = re.compile(r"Response status is (\d{3})")
STATUS_LINE = re.compile(r"^HTTP/1\.[01] (\d{3})")
PLACEHOLDER = "https://..."


@dataclass(frozen=True)
class Request:
    """A curl command, parsed: the flags the docs use (-X, -d, -H, -u, -F) and the URL."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    data: tuple[str, ...] = ()  # each -d, raw, joined by "&" as curl does
    files: tuple[tuple[str, str], ...] = ()  # -F name=value, or name=@path
    user: tuple[str, str] | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    @property
    def form(self) -> dict[str, str]:
        if self.json_body:
            return {}
        return dict(parse_qsl("&".join(self.data), keep_blank_values=True))

    @property
    def json_body(self) -> bool:
        return any(k.lower() == "content-type" and "json" in v.lower() for k, v in self.headers)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def stream(self) -> bool:
        """A GET on an event-stream path opens Server-Sent Events."""
        parts = self.path.split("/")
        return self.method == "GET" and "events" in parts


def parse_curl(command: str) -> Request:
    """The request a curl command line makes. Lenient where the docs are sloppy: an
    unclosed quote is closed at the end of the line."""
    try:
        argv = shlex.split(command)
    except ValueError:
        argv = shlex.split(command + '"')
    if not argv or argv[0] != "curl":
        raise ValueError(f"not a curl command: {command}")
    method: str | None = None
    url = ""
    headers: list[tuple[str, str]] = []
    data: list[str] = []
    files: list[tuple[str, str]] = []
    user: tuple[str, str] | None = None
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-X", "--request"):
            method = next(args).upper()
        elif arg in ("-d", "--data"):
            data.append(next(args))
        elif arg in ("-H", "--header"):
            name, _, value = next(args).partition(":")
            headers.append((name.strip(), value.strip()))
        elif arg in ("-u", "--user"):
            name, _, password = next(args).partition(":")
            user = (name, password)
        elif arg in ("-F", "--form"):
            name, _, value = next(args).partition("=")
            files.append((name, value))
        elif arg.startswith("-"):
            raise ValueError(f"curl flag not understood: {arg}")
        else:
            url = arg
    if method is None:
        method = "POST" if data or files else "GET"
    return Request(method, url, tuple(headers), tuple(data), tuple(files), user)


@dataclass(frozen=True)
class Expectation:
    status: int | None  # None: the docs show no status, only that the call works
    keys: frozenset[str] | None  # top-level keys of the documented JSON answer
    event: str | None = None  # a documented SSE event name
    event_keys: frozenset[str] | None = None  # the keys of its `data:` JSON


@dataclass(frozen=True)
class Example:
    seed: str
    line: int
    era: int
    command: str
    request: Request
    role: str  # "owner" or "stranger": whose token the docs mean
    expect: Expectation
    superseded_by: str | None = None

    @property
    def id(self) -> str:
        return f"{self.seed}:{self.line}"

    @property
    def placeholder(self) -> bool:
        return self.request.url == PLACEHOLDER or self.request.url.endswith("/...")

    def signature(self) -> tuple[object, ...]:
        """What makes two examples the same call, whatever the era's host or IDs."""
        request = self.request
        path = "/".join(
            ":id" if DEVICE_ID.match(p) else p
            for p in HOSTS.sub("", request.url).split("?")[0].split("/")
        )
        params = sorted((set(request.form) | {f for f, _ in request.files}) - {"access_token"})
        where = (
            "header"
            if request.header("authorization")
            else "query"
            if "access_token" in request.query
            else "body"
            if "access_token" in request.form
            else "basic"
            if request.user
            else "none"
        )
        return (request.method, path, tuple(params), where, self.role)


def era_of(text: str) -> int:
    if "429" in text:
        return 2
    if "api.spark.io" in text:
        return 0
    return 1


# -- reading a seed ------------------------------------------------------------------------


@dataclass
class _Block:
    start: int  # 1-based line of the first content line
    lines: list[str]


def _blocks(text: str) -> tuple[list[_Block], list[int]]:
    """Fenced code blocks, and the 1-based lines of the headings outside them that start
    a new section (a "Response" heading continues its example's)."""
    blocks: list[_Block] = []
    headings: list[int] = []
    current: _Block | None = None
    previous = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            if current is None:
                current = _Block(number + 1, [])
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.lines.append(line)
        elif _starts_section(line, previous):
            headings.append(number)
        previous = line
    return blocks, headings


def _starts_section(line: str, previous: str) -> bool:
    if HEADING.match(line):
        return "response" not in line.lower()  # "### Response" goes on with its example
    return bool(SETEXT.match(line) and previous.strip())


def _commands(block: _Block) -> Iterator[tuple[int, int, str]]:
    """(index in block, index past the command, joined command) for each curl line."""
    i = 0
    lines = block.lines
    while i < len(lines):
        if not lines[i].strip().startswith("curl"):
            i += 1
            continue
        parts, j = [lines[i].strip().rstrip("\\").strip()], i + 1
        while j < len(lines):
            continued = lines[j - 1].rstrip().endswith("\\")
            stripped = lines[j].strip()
            if not stripped or not (continued or stripped.startswith(("-", "http", '"http'))):
                break
            parts.append(stripped.rstrip("\\").strip())
            j += 1
        yield i, j, " ".join(parts)
        i = j


def _json_keys(lines: list[str]) -> frozenset[str] | None:
    """Top-level keys of the first JSON object or array (of objects) in `lines`; the docs'
    JSON may be unterminated or hold bare timestamps, so unparsable JSON is read by
    indentation."""
    start = next((k for k, line in enumerate(lines) if line.strip()[:1] in ("{", "[")), None)
    if start is None:
        return None
    text = "\n".join(lines[start:])
    try:
        value = json.loads(text)
    except ValueError:
        return _keys_by_indent(lines[start:])
    if isinstance(value, list):
        value = value[0] if value else {}
    return frozenset(value) if isinstance(value, dict) else None


def _keys_by_indent(lines: list[str]) -> frozenset[str] | None:
    """The keys at the shallowest indentation of the first object (of an array, its
    first element), for JSON the docs did not write to parse."""
    if lines[0].strip().startswith("["):
        end = next((k for k, line in enumerate(lines) if line.strip().startswith("}")), None)
        lines = lines[:end]
    body = [line for line in lines[1:] if re.match(r'^\s*"[^"]+"\s*:', line)]
    if not body:
        return None
    depth = min(len(line) - len(line.lstrip()) for line in body)
    keys = (re.match(r'^\s*"([^"]+)"', line) for line in body if line.startswith(" " * depth + '"'))
    return frozenset(m.group(1) for m in keys if m)


def _expectation(own: list[str], later: list[list[str]]) -> Expectation:
    """From the example's own comment lines, else the first answer-like block after it."""
    status = next((int(m.group(1)) for line in own if (m := STATUS_COMMENT.search(line))), None)
    keys = _json_keys(own)
    if status is not None or keys is not None:
        return Expectation(status if status is not None else 200, keys)
    for lines in later:
        answer = _answer(lines)
        if answer is not None:
            return answer
    return Expectation(None, None)


def _answer(lines: list[str]) -> Expectation | None:
    status = next(
        (int(m.group(1)) for line in lines if (m := STATUS_LINE.match(line.strip()))), None
    )
    if any(line.strip() == ":ok" for line in lines):
        event = next(
            (line.split(":", 1)[1].strip() for line in lines if line.startswith("event:")), None
        )
        data = next(
            (line.split(":", 1)[1].strip() for line in lines if line.startswith("data:")), None
        )
        event_keys = frozenset(json.loads(data)) if data else None
        return Expectation(status or 200, None, event, event_keys)
    keys = _json_keys(lines)
    if keys is None and status is None:
        return None
    return Expectation(status or 200, keys)


def _doc_tokens(request: Request) -> list[str]:
    found = [request.query.get("access_token"), request.form.get("access_token")]
    bearer = request.header("authorization")
    if bearer and bearer.lower().startswith("bearer "):
        found.append(bearer.split(" ", 1)[1].strip())
    return [t for t in found if t]


def read_seed(path: Path) -> list[Example]:
    text = path.read_text(encoding="utf-8", errors="replace")
    era = era_of(text)
    blocks, headings = _blocks(text)
    examples: list[Example] = []
    for index, block in enumerate(blocks):
        commands = list(_commands(block))
        block_tokens: list[str] = []
        for n, (i, j, command) in enumerate(commands):
            request = parse_curl(command)
            tokens = _doc_tokens(request)
            block_tokens.extend(t for t in tokens if t not in block_tokens)
            role = "stranger" if tokens and block_tokens.index(tokens[0]) > 0 else "owner"
            end = commands[n + 1][0] if n + 1 < len(commands) else len(block.lines)
            later: list[list[str]] = []
            if n + 1 == len(commands):  # the last command of its block may be answered below
                for following in blocks[index + 1 :]:
                    section_ends = any(block.start < h < following.start for h in headings)
                    if section_ends or any(x.strip().startswith("curl") for x in following.lines):
                        break
                    later.append(following.lines)
            expect = _expectation(block.lines[j:end], later)
            examples.append(
                Example(path.name, block.start + i, era, command, request, role, expect)
            )
    return examples


def load(seeds: Path) -> list[Example]:
    """Every example of every seed, with `superseded_by` set where a newer era overlaps."""
    examples = [e for seed in sorted(seeds.glob("*.txt")) for e in read_seed(seed)]
    winners: dict[tuple[object, ...], Example] = {}
    for example in examples:
        best = winners.get(example.signature())
        if best is None or example.era > best.era:
            winners[example.signature()] = example
    return [
        e
        if winners[e.signature()] is e
        else Example(**{**e.__dict__, "superseded_by": winners[e.signature()].id})
        for e in examples
    ]


def curl_lines(seeds: Path) -> int:
    """How many code lines start with `curl`: what the extractor must account for."""
    total = 0
    for seed in seeds.glob("*.txt"):
        blocks, _ = _blocks(seed.read_text(encoding="utf-8", errors="replace"))
        total += sum(line.strip().startswith("curl") for b in blocks for line in b.lines)
    return total
