"""`Body`'s shortcut for a body without Content-Encoding, and that it is only taken then."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import httpx
import pytest

from particle_async._body import Body

pytestmark = pytest.mark.anyio


def test_a_plain_body_skips_the_decoder() -> None:
    """Found by the decoder's class name: if httpx renames it, this fails (the shortcut is
    gone, nothing breaks) rather than every stream paying for the decoder call unseen."""
    assert Body(httpx.Response(200, content=b"x"))._identity


async def test_a_compressed_body_is_still_decoded() -> None:
    body = gzip.compress(b"event: a\ndata: x\n\n")

    async def chunks() -> AsyncIterator[bytes]:
        yield body

    response = httpx.Response(200, headers={"content-encoding": "gzip"}, content=chunks())
    reader = Body(response)
    assert not reader._identity
    assert [chunk async for chunk in reader] == [b"event: a\ndata: x\n\n"]
    await reader.aclose()
