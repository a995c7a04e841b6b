"""`cloud.user`: the account the token belongs to: sign-up, profile, e-mail, password, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models.user import TrackingIdentity, User
from ._base import Resource, drop_none, ok

__all__ = ["Users"]


def _changes_credentials(body: Mapping[str, Any]) -> bool:
    """A new password (or revoking every token) makes a re-send fail where the first
    attempt worked: `current_password` or the token is no longer valid. Not re-sent."""
    return "password" in body or bool(body.get("invalidate_tokens"))


class Users(Resource):
    """The current user. `create` and the password-reset calls need no token."""

    async def get(self) -> User:
        """`GET /v1/user`: username, account info, MFA state, device counts."""
        return User.from_api(await self._transport.request("GET", "/v1/user"))

    async def update(
        self,
        *,
        account_info: Mapping[str, Any] | None = None,
        username: str | None = None,
        password: str | None = None,
        current_password: str | None = None,
        invalidate_tokens: bool | None = None,
    ) -> dict[str, Any]:
        """`PUT /v1/user` with only the fields given (the route behind the three calls below).

        A new `username` or `password` needs `current_password`.
        """
        body = drop_none(
            {
                "account_info": dict(account_info) if account_info is not None else None,
                "username": username,
                "password": password,
                "current_password": current_password,
                "invalidate_tokens": invalidate_tokens,
            }
        )
        if not body:
            raise ValueError("update() needs at least one field to change")
        return dict(
            await self._transport.request(
                "PUT", "/v1/user", json_body=body, idempotent=not _changes_credentials(body)
            )
            or {}
        )

    async def set_info(self, account_info: Mapping[str, Any]) -> bool:
        """Replace the account info (first/last name, company, business account flag).

        Endpoint: `PUT /v1/user`.

        The API answers `{ok, message}`, not the user: call `get()` to read it back.
        """
        return ok(await self.update(account_info=account_info))

    async def change_username(
        self, username: str, current_password: str, *, invalidate_tokens: bool = False
    ) -> bool:
        """Change the account e-mail; `invalidate_tokens` revokes every token (sent only if true).

        Endpoint: `PUT /v1/user`.
        """
        body = await self.update(
            username=username,
            current_password=current_password,
            invalidate_tokens=invalidate_tokens or None,
        )
        return ok(body)

    async def change_password(
        self, password: str, current_password: str, *, invalidate_tokens: bool = False
    ) -> bool:
        """Change the password; `invalidate_tokens` revokes every token (sent only if true).

        Endpoint: `PUT /v1/user`.
        """
        body = await self.update(
            password=password,
            current_password=current_password,
            invalidate_tokens=invalidate_tokens or None,
        )
        return ok(body)

    async def create(
        self,
        username: str,
        password: str,
        *,
        account_info: Mapping[str, Any] | None = None,
        utm: Mapping[str, Any] | None = None,
    ) -> bool:
        """Sign up a new account (`POST /v1/users`, JSON, no token sent).

        The cloud rate-limits sign-ups per IP; log in afterwards with `cloud.tokens.create`.
        """
        body = drop_none(
            {
                "username": username,
                "password": password,
                "account_info": dict(account_info) if account_info is not None else None,
                "utm": dict(utm) if utm is not None else None,
            }
        )
        result = await self._transport.request(
            "POST", "/v1/users", json_body=body, authenticated=False
        )
        return ok(result)

    async def delete(self, password: str) -> bool:
        """Delete the account for good (`DELETE /v1/user` with a JSON body); never re-sent."""
        body = await self._transport.request(
            "DELETE", "/v1/user", json_body={"password": password}, idempotent=False
        )
        return ok(body)

    async def reset_password(self, username: str) -> bool:
        """E-mail a password-reset link to `username` (no token needed; rate limited).

        Endpoint: `POST /v1/user/password-reset`.
        """
        body = await self._transport.request(
            "POST",
            "/v1/user/password-reset",
            json_body={"username": username},
            authenticated=False,
        )
        return ok(body)

    async def complete_password_reset(self, token: str, password: str, **fields: Any) -> bool:
        """Set a new password with the reset token from the e-mail (`PUT /v1/user/password-reset`).

        The docs name this route only in their rate-limit list; the body fields are not
        documented. We send `{token, password}` plus any `fields` you add (no access token).
        """
        body = await self._transport.request(
            "PUT",
            "/v1/user/password-reset",
            json_body={"token": token, "password": password, **fields},
            authenticated=False,
            idempotent=False,
        )
        return ok(body)

    async def tracking_identity(self, *, full: bool = False) -> TrackingIdentity:
        """The login's analytics identity (`GET /v1/user/identify`).

        Sends `tracking=1` (just the id) unless `full`, as the JavaScript SDK does.
        """
        params = None if full else {"tracking": 1}
        body = await self._transport.request("GET", "/v1/user/identify", params=params)
        return TrackingIdentity.from_api(body)
