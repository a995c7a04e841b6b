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
"""

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
