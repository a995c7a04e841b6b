"""Models of organizations and the products they own."""

from __future__ import annotations

import attrs

from ._base import Model, as_int, as_str, wire

__all__ = ["Organization", "OrganizationProduct"]


@attrs.frozen(kw_only=True)
class Organization(Model):
    """An organization the user belongs to (`id` and `slug` both work in org paths).

    Attributes:
        id: the organization's id.
        name: its name.
        slug: its slug, usable wherever an org id is.
    """

    id: str | None = wire(convert=as_str)
    name: str | None = wire(convert=as_str)
    slug: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class OrganizationProduct(Model):
    """A product listed under an organization (`GET /v1/orgs/:org/products`).

    Attributes:
        id: the product's id.
        name: its name.
        slug: its slug.
        platform_id: the platform of its devices.
        description: free-form description.
        organization: the owning organization's id.
    """

    id: int | None = wire(convert=as_int)
    name: str | None = wire(convert=as_str)
    slug: str | None = wire(convert=as_str)
    platform_id: int | None = wire(convert=as_int)
    description: str | None = wire(convert=as_str)
    organization: str | None = wire(convert=as_str)
