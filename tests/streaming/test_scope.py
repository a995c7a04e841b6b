from __future__ import annotations

import pytest

from particle_async.streaming import stream_path


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "/v1/devices/events"),
        ({"prefix": "temp"}, "/v1/devices/events/temp"),
        ({"prefix": "a/b c"}, "/v1/devices/events/a%2Fb%20c"),
        ({"prefix": "temp", "public": True}, "/v1/events/temp"),
        ({"device": "abc"}, "/v1/devices/abc/events"),
        ({"device": "abc", "prefix": "t"}, "/v1/devices/abc/events/t"),
        ({"product": 1234}, "/v1/products/1234/events"),
        ({"product": "my-prod", "prefix": "t"}, "/v1/products/my-prod/events/t"),
        ({"product": 1, "device": "abc"}, "/v1/products/1/devices/abc/events"),
        ({"org": "acme"}, "/v1/orgs/acme/events"),
        ({"org": "acme", "device": "d"}, "/v1/orgs/acme/devices/d/events"),
        ({"org": "acme", "product": 5, "prefix": "x"}, "/v1/orgs/acme/products/5/events/x"),
    ],
)
def test_stream_paths(kwargs: dict[str, object], expected: str) -> None:
    assert stream_path(**kwargs) == expected  # type: ignore[arg-type]


def test_invalid_scopes() -> None:
    with pytest.raises(ValueError, match="firehose"):
        stream_path("x", public=True, device="d")
    with pytest.raises(ValueError, match="prefix"):
        stream_path(public=True)
    with pytest.raises(ValueError, match="not both"):
        stream_path(org="o", device="d", product=1)
