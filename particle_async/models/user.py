"""Models of the user API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._base import Model, as_str, as_tuple, wire

__all__ = ["User"]


@attrs.frozen(kw_only=True)
class User(Model):
    username: str | None = wire(convert=as_str)
    subscription_ids: tuple[Any, ...] = wire(convert=as_tuple, factory=tuple)
    account_info: Mapping[str, Any] = wire(convert=dict, factory=dict)
    mfa: Mapping[str, Any] = wire(convert=dict, factory=dict)

    @property
    def mfa_enabled(self) -> bool:
        return bool(self.mfa.get("enabled"))
