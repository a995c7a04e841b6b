"""Configuration and location: another user's product; each test makes its own tracker
products (`new_product`) and trackers."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import Any

from particle_async.testing import FakeCloud, FakeDevice, FakeProduct

OTHER = "config-other@example.com"
THEIRS = 9200
_numbers = itertools.count(3000)


@contextlib.contextmanager
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None) as fake:
        other = fake.add_user(OTHER, "secret")
        fake.add_product(THEIRS, "their-config", members=[other])
        yield fake


def new_product(fake: FakeCloud) -> FakeProduct:
    number = next(_numbers)
    return fake.add_product(number, f"tracker-{number}", platform_id=26)


def tracker(fake: FakeCloud, product: FakeProduct, name: str, **fields: Any) -> FakeDevice:
    return fake.add_device(f"{name}-{product.id}", product_id=product.id, platform_id=26, **fields)
