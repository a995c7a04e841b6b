"""Models of product and organization teams: people and API users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, as_tuple, wire

__all__ = ["TeamMember"]


def _first_token(value: Any) -> str | None:
    """An API user's token: `tokens` holds strings or `{token: ...}` objects."""
    for item in as_tuple(value):
        if isinstance(item, Mapping):
            item = item.get("token")
        if item:
            return str(item)
    return None


@attrs.frozen(kw_only=True)
class TeamMember(Model):
    """A team member: a person, or an API user (`is_programmatic`).

    `token` is set only in the answers that create an API user, change its scopes or
    regenerate its token; it is the API user's one access token and is hidden from repr.

    Attributes:
        username: the member's e-mail, or the API user's generated name.
        id: the member's id (wire key `_id`).
        role: `Administrator`, `Developer`, `View-only` or `Support`.
        friendly_name: an API user's name.
        scopes: an API user's scopes.
        is_programmatic: an API user, not a person.
        no_mfa: the member has no MFA (organizations that require it show this).
        product_id: the product, for product team answers.
        token: an API user's access token, in create, scope-change and regenerate answers only (from
            `tokens`, hidden from repr).
    """

    username: str | None = wire(convert=as_str)
    id: str | None = wire("_id", convert=as_str)
    role: str | None = wire(convert=as_str)
    friendly_name: str | None = wire(convert=as_str)
    scopes: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    is_programmatic: bool = wire(convert=as_bool, default=False)
    no_mfa: bool | None = wire(convert=as_bool)
    product_id: int | None = wire(convert=as_int)
    token: str | None = wire("tokens", convert=_first_token, repr=False)
