"""`cloud.diagnostics`: refresh, last and history (JSON and CSV), polling for vitals."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
import respx

from particle_async import Particle, PollTimeoutError
from particle_async._errors import BadRequestError
from particle_async.models.diagnostics import DiagnosticsRecord

from ..helpers import FakeClock, query_of, sent, user_or_product

pytestmark = pytest.mark.anyio

PRODUCTS = [1234, "my-product"]
DEVICE = "0123456789abcdef01234567"


def vitals(updated_at: str) -> dict[str, Any]:
    return {
        "diagnostics": {
            "updated_at": updated_at,
            "deviceID": DEVICE,
            "payload": {"device": {"power": {"battery": {"charge": 87.12}}}},
        }
    }


@pytest.mark.parametrize("product", [None, *PRODUCTS])
async def test_diagnostics_refresh_last_history(
    cloud: Particle, router: respx.Router, product: int | str | None
) -> None:
    refresh = router.post(user_or_product(product, f"diagnostics/{DEVICE}/update")).respond(
        202, json={"ok": True}
    )
    last = router.get(user_or_product(product, f"diagnostics/{DEVICE}/last")).respond(
        json=vitals("2017-12-19T12:37:07.318Z")
    )
    history = router.get(user_or_product(product, f"diagnostics/{DEVICE}")).respond(
        json={"diagnostics": [vitals("2017-12-19T12:37:07.318Z")["diagnostics"]]}
    )
    assert (await cloud.diagnostics.refresh(DEVICE, product=product)).ok
    assert sent(refresh).content == b""
    record = await cloud.diagnostics.last(DEVICE, product=product)
    assert last.called
    assert isinstance(record, DiagnosticsRecord)
    assert record.device_id == DEVICE
    assert record.vital("device.power.battery.charge") == 87.12
    assert record.vital("device.nope", "?") == "?"
    records = await cloud.diagnostics.history(
        DEVICE,
        product=product,
        start_date=datetime(2017, 12, 18, 12, 0, tzinfo=timezone.utc),
        end_date="2017-12-20T12:37:07.318Z",
    )
    assert query_of(history) == {
        "start_date": "2017-12-18T12:00:00+00:00",
        "end_date": "2017-12-20T12:37:07.318Z",
    }
    assert [r.device_id for r in records] == [DEVICE]


async def test_diagnostics_history_as_csv(cloud: Particle, router: respx.Router) -> None:
    route = router.get(f"/v1/diagnostics/{DEVICE}").respond(
        text="updated_at,charge\n2017-12-19,87\n", headers={"Content-Type": "text/csv"}
    )
    text = await cloud.diagnostics.history_csv(DEVICE)
    assert sent(route).headers["Accept"] == "text/csv"
    assert text.splitlines()[0] == "updated_at,charge"


async def test_diagnostics_bad_dates_are_a_bad_request(
    cloud: Particle, router: respx.Router
) -> None:
    router.get(f"/v1/diagnostics/{DEVICE}").respond(
        400,
        json={"error": "bad_request", "description": "start_date and end_date must be ISO8601"},
    )
    with pytest.raises(BadRequestError) as caught:
        await cloud.diagnostics.history(DEVICE, end_date="invalid-date")
    assert caught.value.error_description == "start_date and end_date must be ISO8601"


async def test_refresh_and_wait_polls_until_newer_vitals(
    cloud: Particle, router: respx.Router, clock: FakeClock
) -> None:
    last = router.get(f"/v1/products/1234/diagnostics/{DEVICE}/last").mock(
        side_effect=[
            httpx.Response(200, json=vitals("2024-01-01T00:00:00Z")),  # before the refresh
            httpx.Response(200, json=vitals("2024-01-01T00:00:00Z")),  # not yet
            httpx.Response(200, json=vitals("2024-01-01T00:05:00Z")),  # fresh
        ]
    )
    refresh = router.post(f"/v1/products/1234/diagnostics/{DEVICE}/update").respond(
        202, json={"ok": True}
    )
    record = await cloud.diagnostics.refresh_and_wait(DEVICE, product=1234, interval=3.0)
    assert record.updated_at == datetime(2024, 1, 1, 0, 5, tzinfo=timezone.utc)
    assert refresh.call_count == 1
    assert last.call_count == 3
    assert clock.sleeps == [3.0]


async def test_wait_for_vitals_treats_404_as_not_yet_and_gives_up(
    cloud: Particle, router: respx.Router, clock: FakeClock
) -> None:
    route = router.get(f"/v1/diagnostics/{DEVICE}/last").respond(404, json={})
    with pytest.raises(PollTimeoutError) as caught:
        await cloud.diagnostics.wait_for_vitals(DEVICE, attempts=3, interval=1.5)
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.last is None
    assert route.call_count == 3
    assert clock.sleeps == [1.5, 1.5]
