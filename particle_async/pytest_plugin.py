"""pytest plugin, registered through the `pytest11` entry point: the `fake_cloud` fixture.

pytest loads this module in every session of every project that installs particle_async,
with or without the `[testing]` extra. So it lives outside `particle_async.testing` and
imports nothing beyond pytest and our core at load time: the fake cloud (and with it
starlette and uvicorn) is imported only when a test asks for the fixture, and without the
extra that test fails with one line naming `pip install "particle_async[testing]"`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from particle_async._extras import MissingExtraError, install_hint

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
    with _fake_cloud_class()() as cloud:
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


def _fake_cloud_class() -> type[FakeCloud]:
    """`FakeCloud`, or fail the test with one line (no traceback) naming the extra."""
    try:
        from particle_async.testing import FakeCloud
    except MissingExtraError as exc:
        problem = (
            f"the fake_cloud fixture needs the [{exc.extra}] extra "
            f"({exc.name} is not installed): {install_hint(exc.extra)}"
        )
    else:
        return FakeCloud
    pytest.fail(problem, pytrace=False)  # outside the except: no "during handling of..."
