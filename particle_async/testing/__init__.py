"""The embedded fake Particle Cloud: an in-memory cloud served over real HTTP on
127.0.0.1, for our tests, the demo, the benchmarks and our users' tests.

    from particle_async.testing import FakeCloud

    with FakeCloud() as cloud:
        dev = cloud.add_device(name="kitchen", variables={"temperature": 21.5})
        ...  # point any HTTP client at cloud.base_url with cloud.token
        dev.publish("temp", "22.1")

It speaks the documented wire format (paths, parameters, error bodies, SSE framing) and
never imports the SDK, so tests that use it check the SDK against the API, not against
the SDK's own assumptions. Needs the `[testing]` extra (starlette, uvicorn).

The names below are imported on first use: `import particle_async.testing` works on a
plain install, and using `FakeCloud` without the extra raises one `MissingExtraError`
that says `pip install "particle_async[testing]"`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .._extras import require_extra

if TYPE_CHECKING:
    from ._app import Faults
    from ._manual_clock import ManualClock
    from ._server import FakeCloud, Simulation
    from ._state import FakeDevice, FakeEvent, FakeOrg, FakeProduct, FakeUser
    from ._webhooks import WebhookDelivery, Webhooks, WebhookStats

__all__ = [
    "FakeCloud",
    "FakeDevice",
    "FakeEvent",
    "FakeOrg",
    "FakeProduct",
    "FakeUser",
    "Faults",
    "ManualClock",
    "Simulation",
    "WebhookDelivery",
    "WebhookStats",
    "Webhooks",
]

_HOMES = {
    "Faults": "._app",
    "FakeCloud": "._server",
    "Simulation": "._server",
    "FakeDevice": "._state",
    "FakeEvent": "._state",
    "FakeOrg": "._state",
    "FakeProduct": "._state",
    "FakeUser": "._state",
    "ManualClock": "._manual_clock",
    "WebhookDelivery": "._webhooks",
    "WebhookStats": "._webhooks",
    "Webhooks": "._webhooks",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with require_extra("testing", "the fake cloud (particle_async.testing)"):
        value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
