"""`Body`: a response's decoded bytes, chunk by chunk, with nothing left half-run.

httpx's `Response.aiter_bytes()` is an async generator looping over another
(`aiter_raw()`, then the transport's and httpcore's). When a chunk fails to decode, or
we stop early (the body cap, a dropped stream), the inner generators stay suspended and
are finalised later by the event loop, which trio reports as a `ResourceWarning`.

`Body` is a plain iterator class instead: it pulls raw chunks from `aiter_raw()`, decodes
them with the response's own content decoder (gzip, deflate, brotli, zstd: whatever
httpx supports), and `aclose()` closes the response and then runs the raw generator to
its end (resumed after the close, its innermost read fails at once, which ends every
layer now, deterministically). Errors come out as httpx's (`DecodingError`,
`TransportError`), for the caller to map.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx

__all__ = ["Body"]


class Body:
    """The decoded chunks of one streaming response; `aclose()` always releases all of it."""

    __slots__ = ("_decoder", "_done", "_flushed", "_identity", "_raw", "_read", "response")

    def __init__(self, response: httpx.Response):
        self.response = response
        # A response built in memory (a MockTransport's, say) was read already.
        self._read: bytes | None = getattr(response, "_content", None)
        self._raw: AsyncIterator[bytes] = (
            _nothing() if self._read is not None else response.aiter_raw()
        )
        # The decoder httpx itself would use for this response's Content-Encoding.
        self._decoder = response._get_content_decoder()
        # No Content-Encoding: each chunk is its own decoding (skip a call per chunk). By
        # name, so an httpx that moves its private class only loses the shortcut.
        self._identity = type(self._decoder).__name__ == "IdentityDecoder"
        self._flushed = False
        self._done = self._read is not None  # nothing of httpx's is left to run

    def __aiter__(self) -> Body:
        return self

    async def __anext__(self) -> bytes:
        if self._read is not None:
            content, self._read = self._read, None
            self._flushed = True
            if content:
                return content
        while True:
            try:
                raw = await self._raw.__anext__()
            except StopAsyncIteration:
                self._done = True
                if self._flushed:
                    raise
                self._flushed = True
                tail = self._decoder.flush()
                if tail:
                    return tail
                raise
            decoded = raw if self._identity else self._decoder.decode(raw)
            if decoded:
                return decoded

    async def aclose(self) -> None:
        """Close the response, then finish the raw generator (shielded, bounded)."""
        if self._done:  # read to the end (the usual REST case): nothing is half-run
            await self.response.aclose()
            return
        with anyio.CancelScope(shield=True):
            await self.response.aclose()
            with anyio.move_on_after(1.0):
                try:
                    while True:
                        await self._raw.__anext__()
                except (StopAsyncIteration, Exception):
                    pass


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an (empty) async generator
