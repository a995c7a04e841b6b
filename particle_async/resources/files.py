"""Downloading a file by URL (the JavaScript SDK's `downloadFile`).

Library archives (`links.download`), usage-report downloads and the like come as absolute
URLs, often on another host (a CDN or S3). The cloud's own routes and any URL on the
client's base URL are fetched through the normal request path (bearer token, rate limit,
retries, error mapping); a URL on any other host is fetched with the same retries and
error mapping but WITHOUT the access token, so a token never leaks to a third party (the
JavaScript SDK sends it everywhere).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from .._errors import ConfigurationError
from .._transport import USER_AGENT
from ._base import Resource

__all__ = ["Files"]


class Files(Resource):
    """Raw downloads by URL."""

    async def download(self, url: str) -> bytes:
        """The bytes at `url`: an API path (`/v1/...`) or an absolute `http(s)` URL.

        Endpoint: `GET :uri`.

        The bearer token is sent only to the client's own base URL. For a slow host,
        `cloud.with_options(timeout=...).files.download(url)`.
        """
        base = self._transport.base_url
        if url.startswith("/"):
            return await self._own(url)
        if url == base or url.startswith((base + "/", base + "?")):
            return await self._own(url[len(base) :] or "/")
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise ConfigurationError(f"download needs an http(s) URL or an API path, got {url!r}")
        return await self._foreign(url)

    async def _own(self, api_path: str) -> bytes:
        body: bytes = await self._transport.request("GET", api_path, expect="bytes")
        return body

    async def _foreign(self, url: str) -> bytes:
        """Another host: no token; the transport's retry loop and error mapping still apply."""
        transport = self._transport
        try:
            request = transport.http.build_request(
                "GET",
                url,
                headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
                timeout=transport.timeout,
            )
        except httpx.InvalidURL as exc:
            raise ConfigurationError(f"cannot download {url!r}: {exc}") from exc
        response = await transport.send(request, idempotent=True)
        return response.content
