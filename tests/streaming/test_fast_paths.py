"""The hot path's shortcuts give exactly what the plain rules give.

The decoder's whole-frame shortcut is checked against a line-by-line reference written
straight from the SSE rules, on random streams cut at random points; the two JSON
readers (stdlib scanner, msgspec) against each other, field by field and on random text.
"""

from __future__ import annotations

import random

import pytest

from particle_async.streaming import SSEDecoder, _convert
from particle_async.streaming._convert import to_event


def reference(stream: bytes) -> list[tuple[str, str]]:
    """The SSE rules, one line at a time, no shortcuts (no size caps are reached here)."""
    text = stream.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    events: list[tuple[str, str]] = []
    name, data = "", []
    for line in text.split(b"\n")[:-1]:
        if not line:
            if data:
                events.append((name or "message", b"\n".join(data).decode("utf-8", "replace")))
            name, data = "", []
        elif line.startswith(b":"):
            continue
        else:
            field, _, value = line.partition(b":")
            value = value[1:] if value.startswith(b" ") else value
            if field == b"data":
                data.append(value)
            elif field == b"event":
                name = value.decode("utf-8", "replace")
    return events


PIECES = [
    b'event: temp\ndata: {"data":"1","ttl":60}\n\n',
    b"event: a\ndata: x\n\n",
    b":ok\n\n",
    b":\n\n",
    b"data: no name\n\n",
    b"event: two\ndata: line1\ndata: line2\n\n",
    b"event:tight\ndata:packed\n\n",
    b"event: r\r\ndata: crlf\r\n\r\n",
    b"event: lone\rdata: cr\r\r",
    b"id: 7\nevent: withid\ndata: d\n\n",
    b"\n\n",
    b"event: named-only\n\n",
    b"event: e\ndata: \n\n",
    b"event: \ndata: empty name is message\n\n",
    "event: caf\u00e9\ndata: \u00fcber \u2028 \U0001f600\n\n".encode(),
    b"event: bad\xff\ndata: half \xc3\n\n",
    b"event: x\ndata: one\ndata: two\nevent: renamed\n\n",
]


@pytest.mark.parametrize("seed", range(40))
def test_decoder_matches_the_reference_on_random_streams(seed: int) -> None:
    rng = random.Random(seed)
    stream = b"".join(rng.choice(PIECES) for _ in range(rng.randint(1, 60)))
    cuts = sorted(rng.sample(range(len(stream) + 1), min(len(stream), rng.randint(0, 12))))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    decoder = SSEDecoder()
    got = [event for chunk in chunks for event in decoder.feed(chunk)]
    assert got == reference(stream + b"\n")[: len(got)]
    assert got + decoder.feed(b"\n") == reference(stream + b"\n")


PARTICLE_PIECES = [
    b'event: temp\ndata: {"data":"1","ttl":60}\n\n',
    b"event: a:b c\ndata: x: y\n\n",
    b"event: e\ndata: \n\n",
    "event: caf\u00e9\ndata: \u00fcber \u2028 \U0001f600\n\n".encode(),
    b"event: bad\xff\ndata: half \xc3\n\n",
]


@pytest.mark.parametrize("seed", range(30))
def test_one_odd_frame_among_particle_frames(seed: int) -> None:
    """The one-regex read of a chunk's frames, and its fallback when a single frame in
    the chunk is in another form: the same events as the reference, in order."""
    rng = random.Random(seed)
    frames = [rng.choice(PARTICLE_PIECES) for _ in range(rng.randint(1, 40))]
    if seed % 3:
        frames.insert(rng.randint(0, len(frames)), rng.choice(PIECES))
    stream = b"".join(frames)
    assert SSEDecoder().feed(stream) == reference(stream)


def test_a_chunk_of_particle_frames_is_read_in_one_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-frame path (`_frame`) is for chunks holding another form; Particle's own
    chunks never reach it (the fast path is in use, not only correct)."""

    def per_frame(*args: object) -> None:
        raise AssertionError("a Particle chunk went frame by frame")

    monkeypatch.setattr(SSEDecoder, "_frame", per_frame)
    stream = b"".join(PARTICLE_PIECES) * 20
    assert SSEDecoder().feed(stream) == reference(stream)


@pytest.mark.parametrize("caps", [(64, 64), (64, 60), (4096, 64), (60, 4096), (8, 8), (1, 1)])
def test_lines_at_the_caps_read_alike_whole_and_trickled(caps: tuple[int, int]) -> None:
    """Names and data of every length around the fast path's bound (a quarter of the
    smaller cap, in characters): each frame read whole (the one-regex path decides
    frame by frame) and one byte at a time, the same events are kept and dropped."""
    max_line, max_event = caps
    small = min(caps) // 4
    frames = [
        f"event: {'n' * name}\ndata: {ch * size}\n\n".encode()
        for name in (1, max(1, small - 8), max(1, small - 7), small - 6)
        for size in range(max(0, small - 8), small + 2)
        for ch in ("a", "\u20ac", "\U0001f600")
    ]
    whole = SSEDecoder(max_line_bytes=max_line, max_event_bytes=max_event)
    trickled = SSEDecoder(max_line_bytes=max_line, max_event_bytes=max_event)
    fast = [event for frame in frames for event in whole.feed(frame)]
    stream = b"".join(frames)
    slow = [event for i in range(len(stream)) for event in trickled.feed(stream[i : i + 1])]
    assert fast == slow
    assert whole.stats == trickled.stats


@pytest.mark.parametrize("seed", range(20))
def test_the_caps_count_bytes_on_the_fast_path_too(seed: int) -> None:
    """Frames of multi-byte text around the caps: read whole (the fast path) and one byte
    at a time (the line-by-line rules only), the same events are kept and dropped."""
    rng = random.Random(seed)
    chars = ["a", "\u00e9", "\u20ac", "\U0001f600"]  # 1, 2, 3 and 4 bytes in UTF-8
    stream = b"".join(
        f"event: e{i}\ndata: {''.join(rng.choices(chars, k=rng.randint(5, 40)))}\n\n".encode()
        for i in range(30)
    )
    whole, trickled = (
        SSEDecoder(max_line_bytes=64, max_event_bytes=60),
        SSEDecoder(max_line_bytes=64, max_event_bytes=60),
    )
    fast = whole.feed(stream)
    slow = [event for i in range(len(stream)) for event in trickled.feed(stream[i : i + 1])]
    assert fast == slow
    assert whole.stats.oversized == trickled.stats.oversized > 0
    assert all(len(data.encode()) <= 60 for _, data in fast)


ENVELOPES = [
    '{"data":"21.5","ttl":60,"published_at":"2026-01-01T00:00:00.000Z","coreid":"abc"}',
    '{"data":"x","ttl":"60","public":"false","productID":"7","version":"2"}',
    ' {"data":"padded"} ',
    '{"data":"x"} trailing',
    '{"data":"x","ttl":Infinity}',
    '{"data":"x","ttl":NaN}',
    "[1,2]",
    '"just a string"',
    "",
    "{",
    '{"data":{"nested":[1,2,3]},"ttl":1e400}',
    '{"data":"\\u00e9\\u2028","published_at":"2026-13-45T00:00:00Z"}',
    '{"data":"x","ttl":123456789012345678901234,"productID":18446744073709551616}',
    '{"data":{"nested":[18446744073709551616,1.5]},"ttl":60}',
    '{"data":"x","ttl":60.0}',
    '{"data":' + "[" * 3000 + "]" * 3000 + "}",  # past both readers' nesting limits
    '{"data":' + "[" * 400 + "]" * 400 + "}",
]


@pytest.mark.parametrize("data", ENVELOPES)
def test_both_json_readers_agree(data: str) -> None:
    pytest.importorskip("msgspec")
    stdlib = _convert._envelope_stdlib(data)
    fast = _convert._envelope_speedups(data)
    assert repr(fast) == repr(stdlib)  # repr: NaN is not equal to itself


JSON_ALPHABET = [
    *'{}[]",:0123456789.eE+- \t\ntrufalsn\\u',
    "\x00",
    "\u00e9",
    "\ud800",
    "\U0001f600",
]


@pytest.mark.parametrize("seed", range(4))
def test_both_json_readers_agree_on_random_text(seed: int) -> None:
    """A differential fuzz: text msgspec accepts must read as the stdlib reads it, and
    text it refuses must fall to the stdlib (same value, or None for both)."""
    pytest.importorskip("msgspec")
    rng = random.Random(seed)
    envelope = '{"data":"21.5","ttl":60,"n":18446744073709551616,"f":[1.5,-0.0,1e-400]}'
    for _ in range(5000):
        if rng.random() < 0.3:  # a mutation of a real envelope: mostly valid JSON
            text = list(envelope)
            text[rng.randrange(len(text))] = rng.choice(JSON_ALPHABET)
            data = "".join(text)
        else:
            data = "".join(rng.choices(JSON_ALPHABET, k=rng.randint(1, 12)))
        fast = _convert._envelope_speedups(data)
        slow = _convert._envelope_stdlib(data)
        assert repr(fast) == repr(slow), data


@pytest.mark.parametrize("data", ENVELOPES)
def test_to_event_is_the_same_with_either_reader(
    data: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("msgspec")
    monkeypatch.setattr(_convert, "_envelope", _convert._envelope_stdlib)
    slow = to_event("n", data)
    monkeypatch.setattr(_convert, "_envelope", _convert._envelope_speedups)
    fast = to_event("n", data)
    assert (fast.name, fast.data, fast.ttl, fast.published_at, fast.malformed) == (
        slow.name,
        slow.data,
        slow.ttl,
        slow.published_at,
        slow.malformed,
    )
    assert (fast.device_id, fast.product_id, fast.version, fast.public) == (
        slow.device_id,
        slow.product_id,
        slow.version,
        slow.public,
    )
    assert repr(dict(fast.raw)) == repr(dict(slow.raw))


@pytest.mark.parametrize(
    "stream",
    [b":\n\n" * 5, b":ok\n\n:\n\nevent: a\ndata: x\n\n:\n\n", b":" + b"k" * 80 + b"\n\n:\n\n"],
    ids=["keep-alives", "mixed", "oversized-comment"],
)
def test_keep_alives_count_alike_whole_and_trickled(stream: bytes) -> None:
    """A chunk that is one comment alone (an idle stream's keep-alive) has its own
    shortcut; it must count comments and oversized lines as the line rules do."""
    whole, trickled = SSEDecoder(max_line_bytes=64), SSEDecoder(max_line_bytes=64)
    fast = [event for chunk in stream.split(b"\n\n")[:-1] for event in whole.feed(chunk + b"\n\n")]
    slow = [event for i in range(len(stream)) for event in trickled.feed(stream[i : i + 1])]
    assert fast == slow
    assert whole.stats == trickled.stats


@pytest.mark.parametrize(
    "before",
    [b"event: a\ndata: x\n", b"event: a\n", b"data: x\n", b"event: a\ndata: x", b":ok\r"],
    ids=["open-event", "name-only", "data-only", "unfinished-line", "pending-cr"],
)
def test_a_keep_alive_chunk_mid_event_is_read_by_the_line_rules(before: bytes) -> None:
    """The keep-alive shortcut is for a clean start only: a comment chunk arriving while
    an event (or a line) is open still ends that event where the SSE rules say."""
    stream = before + b":\n\n" + b"event: b\ndata: y\n\n"
    decoder = SSEDecoder()
    got = [
        event
        for chunk in (before, b":\n\n", b"event: b\ndata: y\n\n")
        for event in decoder.feed(chunk)
    ]
    assert got == reference(stream)
