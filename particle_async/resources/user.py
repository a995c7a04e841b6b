"""`cloud.user`: the account the token belongs to."""

from __future__ import annotations

from typing import Any

from ..models import User
from ._base import Resource, drop_none

__all__ = ["Users"]


class Users(Resource):
    async def get(self) -> User:
        """`GET /v1/user`."""
        return User.from_api(await self._transport.request("GET", "/v1/user"))

    async def update(
        self,
        *,
        account_info: dict[str, Any] | None = None,
        username: str | None = None,
        password: str | None = None,
        current_password: str | None = None,
    ) -> dict[str, Any]:
        """`PUT /v1/user`: account info, or a new username/password (needs the current one)."""
        body = drop_none(
            {
                "accountInfo": account_info,
                "username": username,
                "password": password,
                "current_password": current_password,
            }
        )
        return dict(await self._transport.request("PUT", "/v1/user", json_body=body) or {})
