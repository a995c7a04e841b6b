"""Accounts (OAuth clients, customers, teams, MFA, secrets, the user and tokens): a
product of ours, and a product of someone else's team."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from particle_async.testing import FakeCloud

PRODUCT, SLUG = 1001, "widget"
FOREIGN = 2002  # a product of someone else's team
OTHER = ("other@example.com", "other-secret")


@contextlib.contextmanager
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as fake:
        fake.add_product(PRODUCT, SLUG)
        fake.add_product(FOREIGN, "foreign", members=[fake.add_user(*OTHER)])
        yield fake
