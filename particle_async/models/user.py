"""Models of the user API: the account and its tracking identity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._base import Model, as_bool, as_int, as_str, as_tuple, wire

__all__ = ["TrackingIdentity", "User"]


def _mapping(value: Any) -> Mapping[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


@attrs.frozen(kw_only=True)
class User(Model):
    """`GET /v1/user`: the account the token belongs to.

    Attributes:
        username: the account's e-mail address.
        subscription_ids: ids of the account's billing subscriptions.
        account_info: first and last name, company, business-account flag.
        mfa: the MFA state (`enabled`); see `mfa_enabled`.
        tos: the version of the terms of service accepted.
        memberships: the organizations and teams the user is in, as sent.
        scim_provisioned: the account is managed by an identity provider (SCIM).
        no_password: the account has no password (single sign-on).
        wifi_device_count: how many Wi-Fi devices it owns.
        cellular_device_count: how many cellular devices it owns.
    """

    username: str | None = wire(convert=as_str)
    subscription_ids: tuple[Any, ...] = wire(convert=as_tuple, factory=tuple)
    account_info: Mapping[str, Any] = wire(convert=_mapping, factory=dict)
    mfa: Mapping[str, Any] = wire(convert=_mapping, factory=dict)
    tos: int | None = wire(convert=as_int)
    memberships: tuple[Any, ...] = wire(convert=as_tuple, factory=tuple)
    scim_provisioned: bool = wire(convert=as_bool, default=False)
    no_password: bool = wire(convert=as_bool, default=False)
    wifi_device_count: int | None = wire(convert=as_int)
    cellular_device_count: int | None = wire(convert=as_int)

    @property
    def mfa_enabled(self) -> bool:
        """Whether two-step authentication is on for the account."""
        return bool(self.mfa.get("enabled"))


@attrs.frozen(kw_only=True)
class TrackingIdentity(Model):
    """`GET /v1/user/identify`: the id analytics use for this login (and the e-mail).

    Attributes:
        id: the id analytics use for this login.
        email: the account's e-mail address.
    """

    id: str | None = wire(convert=as_str)
    email: str | None = wire(convert=as_str)
