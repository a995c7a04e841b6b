"""Ledger, logic and environment variables across owner scopes: an org "acme" with
product 77, a stranger with their org and product 88, devices of each."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from particle_async.testing import FakeCloud

STRANGER = ("stranger@example.com", "pw")


@contextlib.contextmanager
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as fake:
        stranger = fake.add_user(*STRANGER)
        fake.add_org("acme", "Acme Inc.")
        fake.add_org("elsewhere", members=[stranger])
        fake.add_product(77, "widget", org="acme")
        fake.add_product(88, "theirs", members=[stranger])
        fake.add_device("alpha")
        fake.add_device("beta")
        fake.add_device("member", product_id=77)
        fake.add_device("theirs", owner=stranger)
        yield fake
