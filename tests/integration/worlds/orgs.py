"""Organizations, their teams and secrets: an org "acme" we belong to with products 10
and 11, a sandbox product 12 that is not the org's, and a stranger's org "elsewhere"."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from particle_async.testing import FakeCloud, FakeOrg

STRANGER = ("stranger@example.com", "pw")


@contextlib.contextmanager
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as fake:
        acme = fake.add_org("acme", "Acme Inc.")
        fake.add_product(10, "acme-sensor", org="acme")
        fake.add_product(11, "acme-gateway", org="acme")
        fake.add_product(12, "sandbox-thing")  # not the org's
        stranger = fake.add_user(*STRANGER)
        fake.add_org("elsewhere", members=[stranger])
        assert acme.members == {fake.user.username}
        yield fake


def org_of(fake: FakeCloud, slug: str) -> FakeOrg:
    return fake.org(slug)
