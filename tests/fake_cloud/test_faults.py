"""Fault injection and the traffic rules: keep-alives, stalls, drops, raw bytes, canned
failures, latency, the rate limit and slow readers. Each test owns its cloud."""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from particle_async.testing import FakeCloud, ManualClock

from .conftest import RawSSE, http_client


@contextlib.contextmanager
def serving(**options: object) -> Iterator[tuple[FakeCloud, httpx.Client]]:
    with FakeCloud(**options) as cloud:  # type: ignore[arg-type]
        with http_client(cloud, cloud.token, httpx.Timeout(5, read=0.5)) as http:
            yield cloud, http


def data_of(frame: bytes) -> str:
    return str(json.loads(frame.split(b"data: ", 1)[1])["data"])


def test_keepalives_fill_silence() -> None:
    with (
        serving(keepalive_interval=0.05) as (_, http),
        http.stream("GET", "/v1/devices/events") as response,
    ):
        sse = RawSSE(response)
        assert sse.frame() == b":ok\n\n"
        started = time.monotonic()
        assert [sse.frame() for _ in range(3)] == [b":\n\n"] * 3
        assert time.monotonic() - started >= 0.1  # paced by the interval, not a busy loop


def test_stalled_stream_sends_nothing_not_even_keepalives() -> None:
    with serving(keepalive_interval=0.05) as (cloud, http):
        cloud.faults.stall_streams(True)
        with http.stream("GET", "/v1/devices/events") as response:
            sse = RawSSE(response)
            assert sse.frame() == b":ok\n\n"  # the connection is accepted, then goes silent
            cloud.add_device().publish("held", "1")
            with pytest.raises(httpx.ReadTimeout):  # 10 keep-alive intervals of nothing
                sse.frame()


def test_stall_mid_stream_holds_events_until_released() -> None:
    with (
        serving(keepalive_interval=60) as (cloud, http),
        http.stream("GET", "/v1/devices/events") as response,
    ):
        device = cloud.add_device()
        sse = RawSSE(response)
        sse.frame()
        cloud.faults.stall_streams(True)
        device.publish("held", "1")
        cloud.faults.stall_streams(False)
        assert data_of(sse.frame()) == "1"


def test_slow_reader_never_blocks_publishing_and_overflow_is_counted() -> None:
    with serving(stream_queue_size=3, keepalive_interval=60) as (cloud, http):
        device = cloud.add_device()
        with http.stream("GET", "/v1/devices/events") as response:
            sse = RawSSE(response)
            sse.frame()
            cloud.faults.stall_streams(True)  # the pump stops draining: the queue fills
            for i in range(10):
                device.publish("n", str(i))
            assert cloud.dropped_events == 7
            cloud.faults.stall_streams(False)
            assert [data_of(sse.frame()) for _ in range(3)] == ["0", "1", "2"]
            device.publish("n", "after")
            assert data_of(sse.frame()) == "after"


def test_drop_streams_cuts_every_stream_mid_body() -> None:
    with serving() as (cloud, http):
        with (
            http.stream("GET", "/v1/devices/events") as one,
            http.stream("GET", "/v1/events") as two,
        ):
            readers = [RawSSE(one), RawSSE(two)]
            assert [r.frame() for r in readers] == [b":ok\n\n"] * 2
            assert cloud.open_streams == 2
            cloud.faults.drop_streams()
            assert cloud.open_streams == 0  # exact as soon as the fault returns
            for reader in readers:
                with pytest.raises(httpx.RemoteProtocolError):
                    reader.rest()
        with http.stream("GET", "/v1/devices/events") as again:
            sse = RawSSE(again)  # kept referenced: a collected byte iterator closes the response
            assert sse.frame() == b":ok\n\n"
            cloud.wait_for_streams_sync(1)


def test_send_raw_writes_bytes_verbatim() -> None:
    with serving() as (cloud, http), http.stream("GET", "/v1/devices/events") as response:
        sse = RawSSE(response)
        sse.frame()
        cloud.faults.send_raw(b"garbage\n\n")
        cloud.faults.send_raw("data: {not json\n\n")
        assert sse.frame() == b"garbage\n\n"
        assert sse.frame() == b"data: {not json\n\n"
        cloud.add_device().publish("fine", "ok")
        assert data_of(sse.frame()) == "ok"


def test_fail_next_answers_exactly_n_requests_then_recovers() -> None:
    with serving() as (cloud, http):
        cloud.faults.fail_next(
            3, status=503, body=b"<html>Bad gateway</html>", headers={"Retry-After": "1"}
        )
        responses = [http.get("/v1/user") for _ in range(4)]
    assert [r.status_code for r in responses] == [503, 503, 503, 200]
    failed = responses[0]
    assert failed.headers["content-type"].startswith("text/html")
    assert (failed.text, failed.headers["retry-after"]) == ("<html>Bad gateway</html>", "1")


def test_fail_next_default_body_reaches_streams_too() -> None:
    with serving() as (cloud, http):
        cloud.faults.fail_next()
        with http.stream("GET", "/v1/devices/events") as refused:
            refused.read()
        assert (refused.status_code, refused.json()) == (
            500,
            {"ok": False, "error": "Internal Server Error"},
        )
        with http.stream("GET", "/v1/devices/events") as accepted:
            assert RawSSE(accepted).frame() == b":ok\n\n"


def test_fail_next_can_target_only_stream_connects() -> None:
    with serving() as (cloud, http):
        cloud.faults.fail_next(2, status=503, method="GET", path="/v1/devices/events*")
        assert http.get("/v1/user").status_code == 200  # not a stream: let through
        assert http.post("/v1/devices/events", data={"name": "x"}).status_code == 200  # POST
        for path in ("/v1/devices/events", "/v1/devices/events/temp"):
            with http.stream("GET", path) as refused:
                refused.read()
            assert refused.status_code == 503
        assert cloud.faults.pending == 0
        with http.stream("GET", "/v1/devices/events") as accepted:
            assert RawSSE(accepted).frame() == b":ok\n\n"


def test_fail_next_matches_the_oldest_fitting_failure_first() -> None:
    with serving() as (cloud, http):
        cloud.faults.fail_next(1, status=502, method="put")  # lower case is fine
        cloud.faults.fail_next(1, status=504, path="/v1/user")
        cloud.faults.fail_next(1, status=500)  # any request
        assert cloud.faults.pending == 3
        assert http.get("/v1/user").status_code == 504  # skips the PUT-only failure
        assert http.get("/v1/devices").status_code == 500
        assert http.get("/v1/devices").status_code == 200
        assert http.put("/v1/user", json={}).status_code == 502
        assert cloud.faults.pending == 0


def test_rate_limit_answers_429_with_retry_after_then_recovers() -> None:
    clock = ManualClock()
    with serving(clock=clock) as (_, http):  # the default: 10 requests per second
        assert [http.get("/v1/user").status_code for _ in range(10)] == [200] * 10
        limited = http.get("/v1/user")
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "1")
        assert limited.json() == {"ok": False, "error": "Too many requests"}
        clock.now += 1.0  # the sliding window moves past the burst
        assert http.get("/v1/user").status_code == 200


def test_opening_a_stream_counts_and_the_limit_can_be_lifted() -> None:
    clock = ManualClock()
    with serving(rate_limit=2, clock=clock) as (cloud, http):
        with http.stream("GET", "/v1/devices/events") as stream:
            RawSSE(stream).frame()
            assert http.get("/v1/user").status_code == 200
            with http.stream("GET", "/v1/devices/events") as refused:
                refused.read()
            assert (refused.status_code, refused.json()["error"]) == (429, "Too many requests")
        cloud.rate_limit = None
        assert all(http.get("/v1/user").status_code == 200 for _ in range(5))
        assert cloud.requests.count(("GET", "/v1/devices/events")) == 2


def test_latency_is_added_before_responses() -> None:
    with serving() as (cloud, http):
        cloud.faults.latency = 0.2
        started = time.monotonic()
        assert http.get("/v1/user").status_code == 200
        assert time.monotonic() - started >= 0.19  # timer resolution
        cloud.faults.reset()
        assert cloud.faults.latency == 0


def test_simulate_publishes_on_schedule() -> None:
    with serving(keepalive_interval=60) as (cloud, http):
        device = cloud.add_device(name="sensor")
        with http.stream("GET", "/v1/devices/events/temp") as response:
            sse = RawSSE(response)
            sse.frame()
            run = cloud.simulate(
                device, "temp", data=lambda i: f"{20 + i % 5}", interval=0.05, count=3
            )
            assert [data_of(sse.frame()) for _ in range(3)] == ["20", "21", "22"]
            assert run.published == 3
        stamps = [e.published_at.timestamp() for e in cloud.published[-3:]]
        assert all(later - earlier >= 0.03 for earlier, later in itertools.pairwise(stamps))
        endless = cloud.simulate(device, "tick", interval=0.05)
    assert endless.done  # stopped with the cloud
