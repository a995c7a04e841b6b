"""Which events reach which webhook, and how the fake paces, retries, refuses and stops:
the rate cap, the documented retry/back-off, the server rating, loopback-only targets,
and a slow server that must not hold up publishing. Time moves only by `clock.advance`."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from particle_async.testing import FakeCloud, ManualClock
from particle_async.testing._webhooks import loopback_refusal

from .conftest import create_hook, hook_events
from .recorder import Recorder


def published_data(target: Recorder) -> list[str]:
    return [dict(r.form())["data"] for r in target.requests]


# -- matching ----------------------------------------------------------------------------


def test_prefix_and_sandbox_scope(fake: FakeCloud, target: Recorder) -> None:
    mine = fake.add_device(name="mine")
    stranger = fake.add_user("stranger@example.com", "pw")
    theirs = fake.add_device(name="theirs", owner=stranger)
    create_hook(fake, target.url)
    mine.publish("temp", "1")
    mine.publish("temperature/inside", "2")
    mine.publish("high_temp", "3")  # a prefix match, not a substring match
    theirs.publish("temp", "4", private=False)  # public, but not my device
    fake.publish("temp", "5")  # published over the API by the hook's owner
    fake.webhooks.wait_idle_sync()
    assert published_data(target) == ["1", "2", "5"]


def test_device_filter(fake: FakeCloud, target: Recorder) -> None:
    one = fake.add_device(name="one")
    two = fake.add_device(name="two")
    create_hook(fake, target.url, deviceID=two.id)
    one.publish("temp", "1")
    two.publish("temp", "2")
    fake.webhooks.wait_idle_sync()
    assert published_data(target) == ["2"]


def test_mydevices_false_takes_public_events_of_anyone(fake: FakeCloud, target: Recorder) -> None:
    stranger = fake.add_user("stranger@example.com", "pw")
    theirs = fake.add_device(name="theirs", owner=stranger)
    create_hook(fake, target.url, mydevices=False)
    theirs.publish("temp", "private", private=True)
    theirs.publish("temp", "public", private=False)
    fake.webhooks.wait_idle_sync()
    assert published_data(target) == ["public"]


def test_product_scope_takes_every_product_device(fake: FakeCloud, target: Recorder) -> None:
    fake.add_product(77)
    claimed = fake.add_device(name="claimed", product_id=77)
    unclaimed = fake.add_device(name="unclaimed", product_id=77, claimed=False)
    sandbox = fake.add_device(name="sandbox")
    create_hook(fake, target.url, product=77)
    claimed.publish("temp", "1")
    unclaimed.publish("temp", "2")
    sandbox.publish("temp", "3")
    fake.webhooks.wait_idle_sync()
    assert published_data(target) == ["1", "2"]


def test_disabled_hooks_and_hook_events_never_trigger(fake: FakeCloud, target: Recorder) -> None:
    device = fake.add_device(name="d")
    create_hook(fake, target.url, disabled=True)
    create_hook(fake, target.url, event="hook")  # would match hook-sent/... if allowed to
    create_hook(fake, target.url, event="t", responseTopic="temp-answer")
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    assert published_data(target) == ["1"]  # its own response "temp-answer/0" triggers nothing
    assert [e.name for e in hook_events(fake)] == ["hook-sent/temp", "temp-answer/0"]


# -- loopback only -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "http://10.0.0.1/hook",
        "http://{{{host}}}/hook",
        "ftp://127.0.0.1/",
    ],
)
def test_only_loopback_targets(fake: FakeCloud, url: str, caplog: pytest.LogCaptureFixture) -> None:
    device = fake.add_device(name="d")
    hook = create_hook(fake, url)
    device.publish("temp", '{"host": "example.org"}')
    fake.webhooks.wait_idle_sync()
    stats = fake.webhooks.stats(hook)
    assert (stats.refused, stats.sent, stats.retried) == (1, 0, 0)
    [delivery] = fake.webhooks.deliveries
    assert delivery.outcome == "refused"
    assert delivery.error is not None
    assert delivery.error.startswith("refused: ")
    [error] = hook_events(fake, "hook-error/")
    assert error.name == "hook-error/temp/0"
    assert error.data == delivery.error
    assert "refused" in caplog.text


def test_localhost_and_ipv4_loopback_are_delivered(fake: FakeCloud, target: Recorder) -> None:
    device = fake.add_device(name="d")
    port = target.url.rsplit(":", 1)[1]
    create_hook(fake, f"http://localhost:{port}/a")
    create_hook(fake, f"http://127.0.0.1:{port}/b")
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    assert sorted(r.path for r in target.requests) == ["/a", "/b"]


# -- the rate cap ------------------------------------------------------------------------


def test_rate_cap_is_12_per_minute_by_default(
    fake: FakeCloud, target: Recorder, clock: ManualClock
) -> None:
    device = fake.add_device(name="d")
    hook = create_hook(fake, target.url)
    for i in range(14):
        device.publish("temp", str(i))
    fake.webhooks.wait_idle_sync()
    assert len(target.requests) == 12
    assert fake.webhooks.stats(hook).rate_limited == 1  # the 13th waits; the 14th is behind it
    clock.advance(59.9)
    fake.webhooks.wait_idle_sync()
    assert len(target.requests) == 12
    clock.advance(0.1)  # the first request leaves the 60 s window
    fake.webhooks.wait_idle_sync()
    assert published_data(target) == [str(i) for i in range(14)]
    assert fake.webhooks.stats(hook).succeeded == 14


def test_rate_cap_is_configurable_and_per_integration(
    fake: FakeCloud, target: Recorder, clock: ManualClock
) -> None:
    fake.webhooks.rate_limit = 2
    device = fake.add_device(name="d")
    first = create_hook(fake, target.url + "/first")
    second = create_hook(fake, target.url + "/second")
    for i in range(3):
        device.publish("temp", str(i))
    fake.webhooks.wait_idle_sync()
    assert [fake.webhooks.stats(h).sent for h in (first, second)] == [2, 2]
    clock.advance(60)
    fake.webhooks.wait_idle_sync()
    assert [fake.webhooks.stats(h).sent for h in (first, second)] == [3, 3]
    fake.webhooks.rate_limit = None
    for i in range(20):
        device.publish("temp", str(i))
    fake.webhooks.wait_idle_sync()
    assert fake.webhooks.stats(first).sent == 23


# -- failures, retries, the server rating ------------------------------------------------


def test_failing_hook_is_retried_after_30_s_then_1_min_then_dropped(
    fake: FakeCloud, target: Recorder, clock: ManualClock
) -> None:
    target.always(500, "broken")
    device = fake.add_device(name="d")
    hook = create_hook(fake, target.url)
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    assert len(target.requests) == 1
    for step, expected in [(29.9, 1), (0.1, 2), (59.9, 2), (0.1, 3), (3600, 3)]:
        clock.advance(step)
        fake.webhooks.wait_idle_sync()
        assert len(target.requests) == expected, step
    stats = fake.webhooks.stats(hook)
    assert (stats.sent, stats.failed, stats.retried, stats.dropped) == (3, 3, 2, 1)
    assert [d.attempt for d in fake.webhooks.deliveries] == [1, 2, 3]
    errors = hook_events(fake, "hook-error/")
    assert [e.data for e in errors] == ["error status 500 from 127.0.0.1"] * 3
    assert len(hook_events(fake, "hook-sent/")) == 3


def test_retried_delivery_succeeds(fake: FakeCloud, target: Recorder, clock: ManualClock) -> None:
    target.answer(503, "busy")
    device = fake.add_device(name="d")
    hook = create_hook(fake, target.url)
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    clock.advance(30)
    fake.webhooks.wait_idle_sync()
    assert published_data(target) == ["1", "1"]  # the same event, sent again
    stats = fake.webhooks.stats(hook)
    assert (stats.failed, stats.succeeded, stats.retried, stats.dropped) == (1, 1, 1, 0)
    first, second = fake.webhooks.deliveries
    assert first.event_id == second.event_id


def test_sleeping_server_is_skipped_until_it_cools_down(
    fake: FakeCloud, target: Recorder, clock: ManualClock
) -> None:
    target.answer(500, "down")
    device = fake.add_device(name="d")
    hook = create_hook(fake, target.url)
    device.publish("temp", "1")  # fails: one error, no success, so the server "sleeps"
    fake.webhooks.wait_idle_sync()
    device.publish("temp", "2")  # skipped, not sent
    fake.webhooks.wait_idle_sync()
    assert published_data(target) == ["1"]
    stats = fake.webhooks.stats(hook)
    assert (stats.failed, stats.skipped, stats.retried) == (1, 1, 2)
    assert hook_events(fake, "hook-error/")[-1].data == (
        "Sleeping, too many errors, please wait and try again"
    )
    clock.advance(5)  # cooled down: new events go again
    device.publish("temp", "3")
    fake.webhooks.wait_idle_sync()
    clock.advance(25)  # 30 s after the failure and the skip: both are retried
    fake.webhooks.wait_idle_sync()
    assert sorted(published_data(target)) == ["1", "1", "2", "3"]
    assert fake.webhooks.stats(hook).succeeded == 3


def test_connection_failure_and_timeout(fake: FakeCloud, target: Recorder) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    device = fake.add_device(name="d")
    create_hook(fake, f"http://127.0.0.1:{closed_port}/")
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    [refused] = fake.webhooks.deliveries
    assert refused.outcome == "error"
    assert refused.error is not None
    assert "ConnectError" in refused.error

    release = threading.Event()
    fake.webhooks.timeout = 0.2
    target.answer(200, "late", hold=release)
    port = target.url.rsplit(":", 1)[1]  # another hostname: 127.0.0.1 is rated "sleeping" now
    create_hook(fake, f"http://localhost:{port}/", event="slow")
    device.publish("slow", "1")
    fake.webhooks.wait_idle_sync()
    release.set()
    late = fake.webhooks.deliveries[-1]
    assert late.outcome == "error"
    assert late.error == "timeout: no answer within 0.2 s"


# -- never blocking, stopping cleanly ----------------------------------------------------


def test_slow_server_blocks_neither_publishing_nor_other_hooks(
    fake: FakeCloud, target: Recorder
) -> None:
    release = threading.Event()
    fake.webhooks.queue_size = 3
    target.answer(200, "slow", hold=release)  # the first request to arrive is held
    device = fake.add_device(name="d")
    stuck = create_hook(fake, target.url + "/stuck", event="stuck")
    healthy = create_hook(fake, target.url + "/healthy", event="temp")
    device.publish("stuck", "0")
    target.wait_for(1)  # held by the server now
    started = time.monotonic()
    for i in range(5):
        device.publish("stuck", str(i + 1))
    with httpx.Client(
        base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.token}"}
    ) as http:
        assert (
            http.post("/v1/devices/events", json={"name": "temp", "data": "x"}).status_code == 200
        )
    target.wait_for(2)  # the healthy hook is delivered while the stuck one waits
    assert time.monotonic() - started < 2.0
    assert fake.webhooks.stats(stuck).queue_full == 2  # 3 queued behind the held request
    release.set()
    fake.webhooks.wait_idle_sync()
    assert fake.webhooks.stats(stuck).succeeded == 4
    assert fake.webhooks.stats(healthy).succeeded == 1


def test_stop_with_a_request_in_flight(clock: ManualClock, target: Recorder) -> None:
    release = threading.Event()
    target.answer(200, "never", hold=release)
    fake = FakeCloud(rate_limit=None, clock=clock).start()
    try:
        device = fake.add_device(name="d")
        create_hook(fake, target.url)
        device.publish("temp", "1")
        device.publish("temp", "2")
        target.wait_for(1)
        started = time.monotonic()
        fake.stop()
        assert time.monotonic() - started < 3.0
        device.publish("temp", "3")  # after stop: ignored, nothing raises
        fake.webhooks.wait_idle_sync(timeout=1)
    finally:
        release.set()
        fake.stop()


def test_deliveries_show_in_the_integration_logs(fake: FakeCloud, target: Recorder) -> None:
    target.answer(201, "created")
    device = fake.add_device(name="d")
    hook = create_hook(fake, target.url + "/x")
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    with httpx.Client(
        base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.token}"}
    ) as http:
        logs = http.get(f"/v1/integrations/{hook}").json()["integration"]["logs"]
    assert logs[0]["request"] == {"method": "POST", "url": target.url + "/x"}
    assert logs[0]["response"] == {"statusCode": 201, "body": "created"}
    assert logs[0]["event"]["data"] == "1"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:9/x", True),
        ("http://127.8.9.10/x", True),
        ("http://[::1]:8080/x", True),
        ("https://localhost/x", True),
        ("http://localhost.example.com/x", False),
        ("http://192.168.1.10/x", False),
        ("http://[2001:db8::1]/x", False),
        ("http:///nohost", False),
        ("file:///etc/passwd", False),
    ],
)
def test_loopback_rule(url: str, allowed: bool) -> None:
    assert (loopback_refusal(url) is None) is allowed
