"""The SSE decoder as a pure unit: every chunk split, every line ending, every limit."""

from __future__ import annotations

import json

import attrs
import pytest

from particle_async import Event
from particle_async.streaming import SSEDecoder
from particle_async.streaming._convert import to_event

FRAME = (
    b":ok\n\n"
    b'event: temperature\ndata: {"data":"25.34","ttl":"60","published_at":"2015-07-18T00:12:18.174Z","coreid":"0123"}\n\n'
    b":\n\n"
    b'event: spark/status\ndata: {"data":"online","ttl":60,"published_at":"2015-01-01T14:29:49.787Z","coreid":"0123"}\n\n'
)
EXPECTED = [
    (
        "temperature",
        '{"data":"25.34","ttl":"60","published_at":"2015-07-18T00:12:18.174Z","coreid":"0123"}',
    ),
    (
        "spark/status",
        '{"data":"online","ttl":60,"published_at":"2015-01-01T14:29:49.787Z","coreid":"0123"}',
    ),
]


def feed_all(decoder: SSEDecoder, chunks: list[bytes]) -> list[tuple[str, str]]:
    return [event for chunk in chunks for event in decoder.feed(chunk)]


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_every_split_point_and_line_ending(ending: bytes) -> None:
    stream = FRAME.replace(b"\n", ending)
    for cut in range(len(stream) + 1):
        decoder = SSEDecoder()
        assert feed_all(decoder, [stream[:cut], stream[cut:]]) + decoder.feed(b"\n") == EXPECTED, (
            cut
        )
        assert decoder.stats.comments == 2


def test_byte_by_byte() -> None:
    decoder = SSEDecoder()
    assert feed_all(decoder, [bytes([b]) for b in FRAME]) == EXPECTED


def test_event_dispatched_as_soon_as_its_blank_line_arrives() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: a\ndata: 1\n") == []
    assert decoder.feed(b"\n") == [("a", "1")]


def test_unicode_line_separators_inside_json_do_not_split() -> None:
    payload = '{"data":"a\u2028b\u2029c\x85d","ttl":60}'
    decoder = SSEDecoder()
    events = decoder.feed(b"event: x\ndata: " + payload.encode() + b"\n\n")
    assert events == [("x", payload)]
    assert to_event(*events[0]).data == "a\u2028b\u2029c\x85d"


def test_multiline_data_and_field_forms() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"event:x\ndata:a\ndata: b\nid: 7\nretry: 10\nunknown\n\n")
    assert events == [("x", "a\nb")]
    assert decoder.feed(b"data: plain\n\n") == [("message", "plain")]


def test_oversized_line_is_skipped_and_decoding_continues() -> None:
    decoder = SSEDecoder(max_line_bytes=100, max_event_bytes=1000)
    chunks = [b"event: big\ndata: "] + [b"x" * 64] * (1_000_000 // 64) + [b"\n\n"]
    events = feed_all(decoder, chunks)
    assert events == []
    assert decoder.stats.oversized == 1
    assert decoder._partial_size <= 100 + 64  # memory stayed bounded while the line streamed
    assert decoder.feed(b"event: ok\ndata: 1\n\n") == [("ok", "1")]


def test_oversized_event_of_many_lines_is_skipped() -> None:
    decoder = SSEDecoder(max_line_bytes=100, max_event_bytes=250)
    chunk = b"event: big\n" + b"data: " + b"y" * 90 + b"\n"
    events = feed_all(decoder, [chunk] + [b"data: " + b"y" * 90 + b"\n"] * 5 + [b"\n"])
    assert events == []
    assert decoder.stats.oversized == 1
    assert decoder.feed(b"event: ok\ndata: 2\n\n") == [("ok", "2")]


def test_reset_discards_a_partial_event() -> None:
    decoder = SSEDecoder()
    decoder.feed(b'event: half\ndata: {"data":')
    assert decoder.has_partial
    decoder.reset()
    assert not decoder.has_partial
    assert decoder.feed(b"\n\nevent: next\ndata: 1\n\n") == [("next", "1")]


def test_to_event_envelope_and_malformed() -> None:
    event = to_event(*EXPECTED[0])
    assert (event.name, event.data, event.ttl, event.device_id) == (
        "temperature",
        "25.34",
        60,
        "0123",
    )
    assert event.published_at is not None
    assert event.published_at.tzinfo is not None
    assert not event.malformed
    broken = to_event("x", '{"data": "cut')
    assert broken.malformed
    assert broken.data == '{"data": "cut'
    product = to_event(
        "p", '{"data":"1","ttl":60,"coreid":"d","productID":1234,"version":3,"public":false}'
    )
    assert (product.product_id, product.version, product.public) == (1234, 3, False)


@pytest.mark.parametrize(
    "data",
    [
        '{"data":"25.34","ttl":"60","published_at":"2015-07-18T00:12:18.174Z","coreid":"0123"}',
        '{"data":"x","ttl":60,"published_at":"2015-01-01T14:35:0.000Z","coreid":"api","public":true}',
        '{"data":null,"ttl":30,"coreid":"d","productID":"1234","version":3,"extra":{"a":1}}',
        '{"data":12.5,"published_at":"2026-01-01T00:00:00+02:00"}',
        ' {"data":"padded"} ',
    ],
)
def test_fast_path_builds_the_same_event_as_the_model(data: str) -> None:
    fast = to_event("name", data)
    regular = Event.from_api({**json.loads(data), "event": "name"})
    assert fast == regular
    assert fast.raw == json.loads(data)
    assert repr(fast) == repr(regular)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.name = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("data", ['{"data":"x"} trailing', "", "[1]", '"just a string"', "{"])
def test_anything_but_one_json_object_is_malformed(data: str) -> None:
    event = to_event("n", data)
    assert event.malformed
    assert event.data == data
