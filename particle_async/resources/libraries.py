"""`cloud.libraries`: search, inspect, contribute, publish and delete firmware libraries.

This API speaks JSON:API: one library comes as `{data: {id, type, attributes}}`, a list as
`{data: [...]}`, and paging is `page`/`limit` with no metadata, so a short page is the last.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._paging import Page, Pager, page_from_body
from ..models.libraries import Library
from ._base import Resource, ok, path
from ._upload import FileSource, Progress, read_upload

__all__ = ["Libraries"]

MAX_LIMIT = 100
"""The most libraries the API returns per page."""


def _csv(value: str | Iterable[str] | None) -> str | None:
    """List parameters go comma-joined, as the JS SDK sends them."""
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


def _data(body: Any) -> Any:
    return body.get("data") if isinstance(body, dict) else body


class Libraries(Resource):
    """Firmware libraries (`/v1/libraries`)."""

    async def list(
        self,
        *,
        filter: str | None = None,
        sort: str | None = None,
        architectures: str | Iterable[str] | None = None,
        category: str | None = None,
        scope: str | None = None,
        exclude_scopes: str | Iterable[str] | None = None,
        page: int | None = None,
        limit: int | None = None,
    ) -> Page[Library]:
        """One page of libraries matching a search (`filter`) and scope.

        `scope`: all (default), public, private, mine, official, verified or featured.
        """
        params = {
            "page": page,
            "limit": limit,
            "filter": filter,
            "sort": sort,
            "architectures": _csv(architectures),
            "category": category,
            "scope": scope,
            "excludeScopes": _csv(exclude_scopes),
        }
        body = await self._transport.request("GET", "/v1/libraries", params=params)
        return page_from_body(body, "data", Library.from_api, page=page or 1, per_page=limit)

    def iter(
        self,
        *,
        filter: str | None = None,
        sort: str | None = None,
        architectures: str | Iterable[str] | None = None,
        category: str | None = None,
        scope: str | None = None,
        exclude_scopes: str | Iterable[str] | None = None,
        limit: int = MAX_LIMIT,
    ) -> Pager[Library]:
        """Every matching library, page by page, until a short page.

        Endpoint: `GET /v1/libraries`.
        """
        if architectures is not None and not isinstance(architectures, str):
            architectures = _csv(architectures)
        if exclude_scopes is not None and not isinstance(exclude_scopes, str):
            exclude_scopes = _csv(exclude_scopes)

        return Pager.over(
            self.list,
            filter=filter,
            sort=sort,
            architectures=architectures,
            category=category,
            scope=scope,
            exclude_scopes=exclude_scopes,
            limit=limit,
        )

    async def get(
        self, name: str, *, version: str | None = None, scope: str | None = None
    ) -> Library:
        """One library (its latest version unless `version` is given).

        Endpoint: `GET /v1/libraries/:name`.
        """
        body = await self._transport.request(
            "GET", path("/v1/libraries/{}", name), params={"version": version, "scope": scope}
        )
        return Library.from_api(_data(body))

    async def list_versions(
        self,
        name: str,
        *,
        scope: str | None = None,
        page: int | None = None,
        limit: int | None = None,
    ) -> Page[Library]:
        """One page of a library's versions (each a full `Library`)."""
        body = await self._transport.request(
            "GET",
            path("/v1/libraries/{}/versions", name),
            params={"page": page, "limit": limit, "scope": scope},
        )
        return page_from_body(body, "data", Library.from_api, page=page or 1, per_page=limit)

    def iter_versions(
        self, name: str, *, scope: str | None = None, limit: int = MAX_LIMIT
    ) -> Pager[Library]:
        """Every version of a library, page by page.

        Endpoint: `GET /v1/libraries/:name/versions`.
        """
        return Pager.over(self.list_versions, name, scope=scope, limit=limit)

    async def contribute(
        self,
        archive: FileSource,
        *,
        progress: Progress | None = None,
    ) -> Library:
        """Upload a new (private) library version from a `.tar.gz` archive.

        Endpoint: `POST /v1/libraries`.

        Sent as multipart part `file` named `archive.tar.gz`, as the JS SDK does.
        """
        _, content, _ = await read_upload(archive, "archive.tar.gz")
        body = await self._transport.request(
            "POST",
            "/v1/libraries",
            files=[("file", ("archive.tar.gz", content, "application/gzip"))],
            progress=progress,
        )
        return Library.from_api(_data(body))

    async def publish(self, name: str) -> Library:
        """Make the latest private version of your library public (`visibility=public`).

        Endpoint: `PATCH /v1/libraries/:name`.
        """
        body = await self._transport.request(
            "PATCH",
            path("/v1/libraries/{}", name),
            json_body={"visibility": "public"},
            idempotent=True,
        )
        return Library.from_api(_data(body))

    async def delete(self, name: str, *, force: str | None = None) -> bool:
        """Delete a private library (or, with the `force` key, a public one).

        Endpoint: `DELETE /v1/libraries/:name`.

        The API takes `force` in a JSON body on this DELETE.
        """
        answer = await self._transport.request(
            "DELETE",
            path("/v1/libraries/{}", name),
            json_body={"force": force} if force is not None else None,
            idempotent=True,
        )
        return ok(answer)
