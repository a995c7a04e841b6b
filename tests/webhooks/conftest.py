"""Fixtures for webhook tests: a fake cloud on a ManualClock, a recording target server,
and a helper that creates an integration over the API, as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from particle_async.testing import FakeCloud, FakeEvent, ManualClock

from .recorder import Recorder


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def target() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeCloud]:
    with FakeCloud(rate_limit=None, clock=clock) as cloud:
        yield cloud


def create_hook(
    fake: FakeCloud,
    url: str,
    *,
    product: int | None = None,
    token: str | None = None,
    **settings: Any,
) -> str:
    """`POST /v1/integrations` (or the product's): the new integration's ID."""
    path = f"/v1/products/{product}/integrations" if product else "/v1/integrations"
    body = {"integration_type": "Webhook", "event": "temp", "url": url, **settings}
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    with httpx.Client(base_url=fake.base_url, headers=headers, verify=False) as http:
        answer = http.post(path, json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def hook_events(fake: FakeCloud, prefix: str = "") -> list[FakeEvent]:
    """What the webhooks published back (hook-sent, hook-response, hook-error)."""
    return [
        e for e in fake.published if e.coreid == "particle-internal" and e.name.startswith(prefix)
    ]
