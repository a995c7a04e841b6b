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
    """A firmware library (one version of it), flattened from its JSON:API resource object.

    Attributes:
        id: the library's id (its name).
        type: the JSON:API type, `libraries`.
        name: the library's name.
        version: this version's number.
        author: who wrote it.
        sentence: a one-line summary.
        paragraph: a longer description.
        url: the project's home page.
        repository: its source repository.
        license: its license name.
        category: its category (`Communication`, `Sensors`, ...).
        architectures: the platforms it supports (`*` for all).
        visibility: `public` or `private`.
        mine: you own it.
        verified: Particle verified it.
        official: Particle publishes it.
        installs: how many times it was installed.
        attributes: every attribute as sent, the ones above included.
        download_url: where to download this version's archive (`links.download`).
    """

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
        """Whether the library is published for everyone."""
        return self.visibility == "public"
