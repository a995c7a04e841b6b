"""Models of Ledger: definitions (what a ledger is) and instances (its data for one scope)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, parse_datetime, wire

__all__ = ["LedgerDefinition", "LedgerInstance", "LedgerScope"]


@attrs.frozen(kw_only=True)
class LedgerDefinition(Model):
    """A ledger: its name, scope (Owner, Product, Device) and direction (Upstream, Downstream).

    Attributes:
        name: the ledger's name (its id in paths).
        scope: what an instance belongs to: `Owner`, `Product` or `Device`.
        direction: `Upstream` (devices write) or `Downstream` (the cloud writes).
        description: free-form description.
        created_at: when it was created.
        updated_at: when it last changed.
        archived_at: when it was archived (None: active).
    """

    name: str = wire(convert=str, default="")
    scope: str | None = wire(convert=as_str)
    direction: str | None = wire(convert=as_str)
    description: str | None = wire(convert=as_str)
    created_at: datetime | None = wire(convert=parse_datetime)
    updated_at: datetime | None = wire(convert=parse_datetime)
    archived_at: datetime | None = wire(convert=parse_datetime)

    @property
    def archived(self) -> bool:
        """Whether the ledger is archived (`archived_at` is set)."""
        return self.archived_at is not None


@attrs.frozen(kw_only=True)
class LedgerScope(Model):
    """Which owner, product or device a ledger instance belongs to.

    Attributes:
        type: `Owner`, `Product` or `Device`.
        value: the id of that owner, product or device.
        name: its name, when the API gives one.
        not_owned: the scope is outside your account (read-only access).
    """

    type: str | None = wire(convert=as_str)
    value: str | None = wire(convert=as_str)
    name: str | None = wire(convert=as_str)
    not_owned: bool = wire(convert=as_bool, default=False)


def _scope(value: Any) -> LedgerScope | None:
    return LedgerScope.from_api(value) if isinstance(value, Mapping) else None


@attrs.frozen(kw_only=True)
class LedgerInstance(Model):
    """A ledger's data for one scope value; a version also carries `replaced_at`.

    Attributes:
        name: the ledger's name.
        scope: which owner, product or device this instance belongs to.
        data: the instance's key-value data.
        size_bytes: its size in bytes.
        created_at: when it was created.
        updated_at: when it last changed.
        replaced_at: when this version was replaced (versions only).
        version: the version id (versions only).
    """

    name: str | None = wire(convert=as_str)
    scope: LedgerScope | None = wire(convert=_scope)
    data: Mapping[str, Any] = wire(
        convert=lambda v: dict(v) if isinstance(v, Mapping) else {}, factory=dict
    )
    size_bytes: int | None = wire(convert=as_int)
    created_at: datetime | None = wire(convert=parse_datetime)
    updated_at: datetime | None = wire(convert=parse_datetime)
    replaced_at: datetime | None = wire(convert=parse_datetime)
    version: str | None = wire(convert=as_str)
