"""Models of authentication: OAuth tokens, the access-token list, and MFA enrolment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, as_tuple, parse_datetime, wire

__all__ = [
    "AccessToken",
    "CurrentToken",
    "MfaConfirmation",
    "MfaEnrollment",
    "TokenGrant",
]


def _orgs(value: Any) -> tuple[Mapping[str, Any], ...]:
    return tuple(dict(org) for org in as_tuple(value) if isinstance(org, Mapping))


@attrs.frozen(kw_only=True)
class TokenGrant(Model):
    """What `/oauth/token` returns. The token itself is hidden from repr.

    Attributes:
        access_token: the new access token (hidden from repr).
        token_type: always `bearer`.
        expires_in: lifetime in seconds (None or 0: never expires).
        refresh_token: exchange it for a new access token (`cloud.tokens.refresh`), when issued.
        scope: the scopes granted, space-separated, when limited.
    """

    access_token: str = wire(convert=str, default="", repr=False)
    token_type: str = wire(convert=str, default="bearer")
    expires_in: int | None = wire(convert=as_int)
    refresh_token: str | None = wire(convert=as_str, repr=False)
    scope: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class AccessToken(Model):
    """One entry of `GET /v1/access_tokens`. The token itself is hidden from repr.

    Attributes:
        token: the access token itself (hidden from repr).
        expires_at: when it stops working; None for a token that never expires.
        client: the OAuth client that created it (`particle`, `user`, an app's id).
        scopes: what it may do; empty for a full-access user token.
    """

    token: str = wire(convert=str, default="", repr=False)
    expires_at: datetime | None = wire(convert=parse_datetime)
    client: str | None = wire(convert=as_str)
    scopes: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)


@attrs.frozen(kw_only=True)
class CurrentToken(Model):
    """`GET /v1/access_tokens/current`: what the calling token may do, and until when.

    `expires_at` is None for a token that never expires. `client` is the OAuth client
    that created the token (the SDK types call it `client_id`; either is read).

    Attributes:
        expires_at: when the calling token stops working (None: never).
        client: the OAuth client that created it, when the API names it.
        client_id: the same, under the key older answers use.
        scopes: what the token may do; empty for a full-access user token.
        orgs: the organizations the token reaches, as the API describes them.
    """

    expires_at: datetime | None = wire(convert=parse_datetime)
    client: str | None = wire(convert=as_str)
    client_id: str | None = wire(convert=as_str)
    scopes: tuple[str, ...] = wire(convert=as_tuple, factory=tuple)
    orgs: tuple[Mapping[str, Any], ...] = wire(convert=_orgs, factory=tuple)

    @property
    def client_name(self) -> str | None:
        """The OAuth client that created the token (`client`, else `client_id`)."""
        return self.client or self.client_id


@attrs.frozen(kw_only=True)
class MfaEnrollment(Model):
    """`GET /v1/user/mfa-enable`: scan `qr_url` (or type `secret`), then confirm with an OTP.

    Attributes:
        mfa_token: the token that ties the confirmation (`cloud.mfa.confirm`) to this enrolment.
        qr_url: a data URL of the QR code for an authenticator app.
        secret: the same secret as text, for typing into the app.
    """

    mfa_token: str = wire(convert=str, default="", repr=False)
    qr_url: str | None = wire(convert=as_str, repr=False)
    secret: str | None = wire(convert=as_str, repr=False)


@attrs.frozen(kw_only=True)
class MfaConfirmation(Model):
    """`POST /v1/user/mfa-enable`: `tokens` are the one-time recovery codes (hidden).

    Attributes:
        enrolled: MFA is now on for the account.
        tokens: one-time recovery codes; store them, they are shown only once (hidden from repr).
    """

    enrolled: bool = wire(convert=as_bool, default=False)
    tokens: tuple[str, ...] = wire(convert=as_tuple, factory=tuple, repr=False)
