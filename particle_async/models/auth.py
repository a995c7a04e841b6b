"""Models of authentication: OAuth tokens and the access-token list."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Model, as_int, as_str, as_tuple, parse_datetime, wire

__all__ = ["AccessToken", "TokenGrant"]


@attrs.frozen(kw_only=True)
class TokenGrant(Model):
    """What `/oauth/token` returns. The token itself is hidden from repr."""

    access_token: str = wire(convert=str, default="", repr=False)
    token_type: str = wire(convert=str, default="bearer")
    expires_in: int | None = wire(convert=as_int)
    refresh_token: str | None = wire(convert=as_str, repr=False)
    scope: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class AccessToken(Model):
    """One entry of `GET /v1/access_tokens`. The token itself is hidden from repr."""

    token: str = wire(convert=str, default="", repr=False)
    expires_at: datetime | None = wire(convert=parse_datetime)
    client: str | None = wire(convert=as_str)
    scopes: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
