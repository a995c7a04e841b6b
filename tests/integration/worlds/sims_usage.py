"""SIM cards and usage: another user's cellular product; each test makes its own
products, devices and SIMs."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

from particle_async.testing import FakeCloud

OTHER = ("sims-other@example.com", "secret")
THEIRS = 9100
CELLULAR = 13  # Boron
_numbers = itertools.count(2000)


@contextlib.contextmanager
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as fake:
        other = fake.add_user(*OTHER)
        fake.add_product(THEIRS, "their-sims", platform_id=CELLULAR, members=[other])
        yield fake
