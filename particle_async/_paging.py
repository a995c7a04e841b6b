"""Walking paged lists: one `Pager` for every paging style the API uses.

The API pages in several ways: `page`/`per_page` (or `perPage`) with `meta.total_pages`,
a full `meta` with `total`, a `has_more` flag, or plain `page`/`limit` with no meta at all
(then a short page is the last one). A resource method describes how to fetch page N and
how to read its items; `Pager` turns that into:

    page = await pager                 # the first page (a `Page`)
    async for item in pager: ...       # every item of every page, fetched lazily
    everything = await pager.collect() # all items as a list
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from typing import Any, Generic, TypeVar

from attrs import frozen

__all__ = ["Page", "Pager", "page_from_body"]

T = TypeVar("T")


@frozen
class Page(Generic[T]):
    """One page of results and what the API said about the rest.

    Attributes:
        items: this page's items.
        page: this page's number (from 1).
        per_page: the page size asked for.
        total_pages: how many pages there are, when the API says.
        total: how many items match in all, when the API says.
        has_more: a page follows, when the API says so directly.
    """

    items: list[T]
    page: int
    per_page: int | None = None
    total_pages: int | None = None
    total: int | None = None
    has_more: bool | None = None

    @property
    def is_last(self) -> bool:
        """Whether no page follows: from `has_more`, else `total_pages`, else a short page."""
        if self.has_more is not None:
            return not self.has_more
        if self.total_pages is not None:
            return self.page >= self.total_pages
        if self.per_page is not None:
            return len(self.items) < self.per_page
        return True


def page_from_body(
    body: Any, key: str, parse: Callable[[Any], T], *, page: int, per_page: int | None
) -> Page[T]:
    """A `Page` from a JSON body holding `key` (a list) and optional paging metadata."""
    if isinstance(body, list):
        return Page([parse(x) for x in body], page=page, per_page=per_page)
    if not isinstance(body, Mapping):
        from .models._base import shape_error

        raise shape_error(f"a page of {key!r}", body)
    meta: Mapping[str, Any] = body.get("meta") or {}
    has_more = body.get("has_more", body.get("hasMore", meta.get("has_more")))
    return Page(
        [parse(x) for x in body.get(key) or ()],
        page=int(meta.get("page") or page),
        per_page=per_page,
        total_pages=_int(meta.get("total_pages", body.get("total_pages"))),
        total=_int(meta.get("total", body.get("total"))),
        has_more=None if has_more is None else bool(has_more),
    )


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


class Pager(Generic[T]):
    """Awaitable for the first page; async-iterable over every item of every page."""

    def __init__(self, fetch: Callable[[int], Awaitable[Page[T]]], *, first_page: int = 1):
        self._fetch = fetch
        self._first = first_page

    @classmethod
    def over(
        cls, list_page: Callable[..., Awaitable[Page[T]]], *args: Any, **kwargs: Any
    ) -> Pager[T]:
        """A pager calling `list_page(*args, page=n, **kwargs)` for n = 1, 2, ...: how a
        resource's `iter()` is built from its `list()`."""
        return cls(lambda number: list_page(*args, page=number, **kwargs))

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self._first).__await__()

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Each page in turn, stopping after the last (never loops on an empty page)."""
        number = self._first
        while True:
            page = await self._fetch(number)
            yield page
            if page.is_last or not page.items:
                return
            number += 1

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def collect(self) -> list[T]:
        """Every item of every remaining page, in one list (fetches lazily until the last page)."""
        return [item async for item in self]
