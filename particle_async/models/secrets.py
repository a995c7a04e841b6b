"""Models of cloud secrets (their metadata: the API never returns a value)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_tuple, parse_datetime, wire

__all__ = ["CloudSecret"]


def _refs(value: Any) -> tuple[Mapping[str, Any], ...]:
    """Usage references: objects, or bare ids (the CLI's fixtures show both) as `{"id": ...}`."""
    return tuple(dict(ref) if isinstance(ref, Mapping) else {"id": ref} for ref in as_tuple(value))


@attrs.frozen(kw_only=True)
class CloudSecret(Model):
    """A cloud secret's name, dates and where it is used (integrations, logic functions).

    Attributes:
        name: the secret's name (upper case letters, digits and `_`).
        created_at: when it was created.
        updated_at: when its value last changed.
        last_accessed_at: when an integration or logic function last read it.
        integrations: the integrations that use it.
        logic_functions: the logic functions that use it.
    """

    name: str = wire(convert=str, default="")
    created_at: datetime | None = wire(convert=parse_datetime)
    updated_at: datetime | None = wire(convert=parse_datetime)
    last_accessed_at: datetime | None = wire(convert=parse_datetime)
    integrations: tuple[Mapping[str, Any], ...] = wire(convert=_refs, factory=tuple)
    logic_functions: tuple[Mapping[str, Any], ...] = wire(convert=_refs, factory=tuple)

    @property
    def usage_count(self) -> int:
        """How many integrations and logic functions use it (it can be deleted at 0)."""
        return len(self.integrations) + len(self.logic_functions)
