"""Products, devices, device groups and diagnostics: another user's product; each test
makes its own products (`new_product`) and devices."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

from particle_async.testing import FakeCloud, FakeProduct

OTHER = "other@example.com"
THEIRS = 9000  # a product of OTHER's
_product_ids = itertools.count(1000)


@contextlib.contextmanager
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as fake:
        other = fake.add_user(OTHER, "secret")
        fake.add_product(THEIRS, "theirs", members=[other])
        yield fake


def new_product(fake: FakeCloud, platform_id: int = 6) -> FakeProduct:
    number = next(_product_ids)
    return fake.add_product(number, f"fleet-{number}", platform_id=platform_id)


def hex_id() -> str:
    return f"{next(_product_ids):024x}"
