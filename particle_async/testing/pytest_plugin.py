"""pytest plugin, registered through the `pytest11` entry point: the `fake_cloud` fixture.

The plugin is loaded in every pytest session of every project that installs
particle_async, with or without the `[testing]` extra, so it imports the fake cloud
(and with it starlette and uvicorn) only when a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from particle_async.testing import FakeCloud


@pytest.fixture
def fake_cloud() -> Iterator[FakeCloud]:
    """A started `FakeCloud` (10 req/s rate limit, like the real one) holding two online
    devices of the default user (`cloud.token`):

    - "alpha": a Photon, variables `temperature` (21.5) and `label` ("alpha"),
      function `brew` returning the length of its argument;
    - "beta": an Argon, variable `humidity` (40), function `reset` returning 1.

    A sync fixture, so it serves sync, pytest-asyncio and anyio tests alike; the server
    runs in its own thread and is stopped (streams closed) after the test.
    """
    from particle_async.testing import FakeCloud

    with FakeCloud() as cloud:
        cloud.add_device(
            name="alpha",
            variables={"temperature": 21.5, "label": "alpha"},
            functions={"brew": len},
        )
        cloud.add_device(
            name="beta",
            platform_id=12,
            variables={"humidity": 40},
            functions={"reset": lambda arg: 1},
        )
        yield cloud
