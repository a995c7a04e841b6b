"""Firmware, Device OS and product firmware: devices "alpha" (an Argon, online),
"asleep" (a Boron, offline), and "theirs" of a stranger."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from particle_async.testing import FakeCloud

STRANGER = ("stranger@example.com", "pw")


@contextlib.contextmanager
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as fake:
        fake.add_device("alpha", platform_id=12)
        fake.add_device("asleep", platform_id=13, online=False)
        fake.add_user(*STRANGER)
        fake.add_device("theirs", owner=STRANGER[0])
        yield fake
