"""What each declared PUT/DELETE does after a 503: re-sent when the same request twice
lands in the same state, sent once when it makes a device act or spends something."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx

from particle_async import Particle, ServerError

pytestmark = pytest.mark.anyio

DEVICE = "0123456789abcdef01234567"
Call = Callable[[Particle], Awaitable[Any]]

ONCE: list[tuple[str, str, str, Call]] = [
    ("ping", "PUT", f"/v1/devices/{DEVICE}/ping", lambda c: c.devices.ping(DEVICE)),
    ("signal", "PUT", f"/v1/devices/{DEVICE}", lambda c: c.devices.signal(DEVICE)),
    (
        "unprotect",
        "PUT",
        f"/v1/devices/{DEVICE}/unprotect",
        lambda c: c.devices.unprotect(DEVICE, "prepare"),
    ),
    (
        "release",
        "PUT",
        "/v1/products/1234/firmware/release",
        lambda c: c.product_firmware.release(1234, 3, product_default=True),
    ),
    (
        "logic-new-trigger",
        "PUT",
        "/v1/logic/functions/fn1",
        lambda c: c.logic.update("fn1", triggers=[{"type": "Event", "event_name": "t"}]),
    ),
    (
        "password",
        "PUT",
        "/v1/user",
        lambda c: c.user.update(password="new-pass", current_password="old-pass"),
    ),
]

AGAIN: list[tuple[str, str, str, Call]] = [
    ("notes", "PUT", f"/v1/devices/{DEVICE}", lambda c: c.devices.set_notes(DEVICE, "n")),
    (
        "logic-known-trigger",
        "PUT",
        "/v1/logic/functions/fn1",
        lambda c: c.logic.update("fn1", triggers=[{"id": "t1", "type": "Event"}]),
    ),
    ("account-info", "PUT", "/v1/user", lambda c: c.user.update(account_info={"first_name": "A"})),
    ("env-set", "PUT", "/v1/env/K", lambda c: c.env_vars.set("K", "v")),
    ("env-delete", "DELETE", "/v1/env/K", lambda c: c.env_vars.delete("K")),
    ("group-delete", "DELETE", "/v1/products/1/groups/g", lambda c: c.device_groups.delete(1, "g")),
    ("sim-deactivate", "PUT", "/v1/sims/8901", lambda c: c.sims.deactivate("8901")),
]


@pytest.mark.parametrize(("name", "method", "where", "call"), ONCE, ids=[r[0] for r in ONCE])
async def test_acting_calls_are_sent_once(
    cloud: Particle, router: respx.Router, name: str, method: str, where: str, call: Call
) -> None:
    route = router.route(method=method, path=where).respond(503)
    with pytest.raises(ServerError):
        await call(cloud)
    assert route.call_count == 1, name


@pytest.mark.parametrize(("name", "method", "where", "call"), AGAIN, ids=[r[0] for r in AGAIN])
async def test_state_setting_calls_are_resent(
    cloud: Particle, router: respx.Router, name: str, method: str, where: str, call: Call
) -> None:
    route = router.route(method=method, path=where).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={})]
    )
    await call(cloud)
    assert route.call_count == 2, name
