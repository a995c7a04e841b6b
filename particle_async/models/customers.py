"""Models of product customers."""

from __future__ import annotations

import attrs

from ._base import Model, as_str, as_tuple, wire

__all__ = ["Customer"]


@attrs.frozen(kw_only=True)
class Customer(Model):
    """One customer of a product, with the ids of the devices it owns.

    Attributes:
        id: the customer's id.
        username: the customer's e-mail address.
        full_name: the name, when one was given.
        devices: ids of the devices the customer owns.
    """

    id: str | None = wire(convert=as_str)
    username: str | None = wire(convert=as_str)
    full_name: str | None = wire(convert=as_str)
    devices: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
