"""Models of the firmware libraries API, which speaks JSON:API (`{data: {id, type, attributes}}`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, as_tuple, wire

__all__ = ["Library"]


def _attribute(key: str, convert: Callable[[Any], Any] = as_str) -> Callable[[Any], Any]:
    """Read `attributes[key]`: JSON:API keeps the fields one level down."""

    def read(attributes: Any) -> Any:
        if not isinstance(attributes, Mapping):
            return convert(None)
        return convert(attributes.get(key))

    return read


def _download(links: Any) -> str | None:
    return as_str(links.get("download")) if isinstance(links, Mapping) else None


@attrs.frozen(kw_only=True)
class Library(Model):
    """A firmware library (one version of it), flattened from its JSON:API resource object."""

    id: str = wire(convert=str, default="")
    type: str | None = wire(convert=as_str)
    name: str = wire("attributes", convert=_attribute("name", lambda v: str(v or "")), default="")
    version: str | None = wire("attributes", convert=_attribute("version"))
    author: str | None = wire("attributes", convert=_attribute("author"))
    sentence: str | None = wire("attributes", convert=_attribute("sentence"))
    paragraph: str | None = wire("attributes", convert=_attribute("paragraph"))
    url: str | None = wire("attributes", convert=_attribute("url"))
    repository: str | None = wire("attributes", convert=_attribute("repository"))
    license: str | None = wire("attributes", convert=_attribute("license"))
    category: str | None = wire("attributes", convert=_attribute("category"))
    architectures: tuple[str, ...] = wire(
        "attributes", convert=_attribute("architectures", as_tuple), factory=tuple
    )
    visibility: str | None = wire("attributes", convert=_attribute("visibility"))
    mine: bool = wire("attributes", convert=_attribute("mine", as_bool), default=False)
    verified: bool = wire("attributes", convert=_attribute("verified", as_bool), default=False)
    official: bool = wire("attributes", convert=_attribute("official", as_bool), default=False)
    installs: int | None = wire("attributes", convert=_attribute("installs", as_int))
    attributes: Mapping[str, Any] = wire(
        convert=lambda v: dict(v) if isinstance(v, Mapping) else {}, factory=dict, repr=False
    )
    download_url: str | None = wire("links", convert=_download)

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"
