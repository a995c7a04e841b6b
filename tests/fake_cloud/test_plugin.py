"""The `fake_cloud` pytest fixture, from a sync test and from anyio tests."""

from __future__ import annotations

import httpx
import pytest

from particle_async.testing import FakeCloud

from .conftest import RawSSE, bearer


def test_fixture_in_a_sync_test(fake_cloud: FakeCloud) -> None:
    with httpx.Client(base_url=fake_cloud.base_url, headers=bearer(fake_cloud.token)) as http:
        devices = http.get("/v1/devices").json()
        assert [(d["name"], d["online"]) for d in devices] == [("alpha", True), ("beta", True)]
        with http.stream("GET", "/v1/devices/events/temp") as response:
            sse = RawSSE(response)
            sse.frame()
            fake_cloud.device("alpha").publish("temp", "21")
            assert sse.frame().startswith(b"event: temp\n")


@pytest.mark.anyio
async def test_fixture_in_an_anyio_test(fake_cloud: FakeCloud, anyio_backend: str) -> None:
    async with httpx.AsyncClient(
        base_url=fake_cloud.base_url, headers=bearer(fake_cloud.token)
    ) as http:
        called = await http.post("/v1/devices/alpha/brew", json={"arg": "abc"})
        assert called.json()["return_value"] == 3
        assert (await http.get("/v1/devices/beta/humidity")).json()["result"] == 40
    assert fake_cloud.device("alpha").calls == [("brew", "abc")]
