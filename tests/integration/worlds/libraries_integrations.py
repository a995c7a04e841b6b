"""Libraries and integrations: our product 77, a stranger's product 88, and the
stranger's own client (`stranger`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from particle_async import Particle
from particle_async.testing import FakeCloud

from ...helpers import sdk

STRANGER = ("stranger@example.com", "pw")


@contextlib.contextmanager
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as fake:
        fake.add_user(*STRANGER)
        fake.add_product(77, "widget")
        fake.add_product(88, "theirs", members=[STRANGER[0]])
        yield fake


def stranger(fake: FakeCloud) -> Particle:
    return sdk(fake, fake.account(STRANGER[0]).token)
