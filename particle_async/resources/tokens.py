"""`cloud.tokens`: create tokens (password, client, customer and refresh grants), list, revoke.

`/oauth/token` only takes form-encoded bodies, so that is what we send. The OAuth client
id and secret always travel in HTTP Basic (the documented form, and it keeps the secret
out of the body); the JavaScript SDK puts them in the form instead, which the cloud
accepts too. A password login on an account with MFA raises `MfaRequired` (see
`cloud.mfa`), or completes the second step itself when you pass `otp=`.
"""

from __future__ import annotations

from typing import Any

from .._errors import ForbiddenError
from .._transport import DEFAULT_CLIENT
from ..models.auth import AccessToken, CurrentToken, TokenGrant
from ._base import Resource, ok, path
from .mfa import Mfa, MfaRequired

__all__ = ["Tokens"]


class Tokens(Resource):
    """Access tokens: every way to get one, and the ways to revoke them."""

    async def create(
        self,
        username: str,
        password: str,
        *,
        client_id: str = DEFAULT_CLIENT,
        client_secret: str = DEFAULT_CLIENT,
        expires_in: int | None = None,
        expires_at: str | None = None,
        otp: str | None = None,
    ) -> TokenGrant:
        """A new token for `username` (`grant_type=password`); the client goes in HTTP Basic.

        Endpoint: `POST /oauth/token`.

        `expires_in=0` asks for a token that never expires. On an account with MFA this
        raises `MfaRequired` (a `ForbiddenError` carrying `mfa_token`), unless `otp` is
        given: then the second step (`cloud.mfa.login`) is sent at once.
        """
        form = {
            "grant_type": "password",
            "username": username,
            "password": password,
            "expires_in": expires_in,
            "expires_at": expires_at,
        }
        try:
            return await self._grant(form, client_id, client_secret)
        except ForbiddenError as exc:
            needed = MfaRequired.from_forbidden(exc)
            if needed is None:
                raise
            if otp is None:
                raise needed from None
            mfa = Mfa(self._transport)
            return await mfa.login(
                needed.mfa_token, otp, client_id=client_id, client_secret=client_secret
            )

    login = create

    async def create_for_client(
        self,
        client_id: str,
        client_secret: str,
        *,
        expires_in: int | None = None,
        expires_at: str | None = None,
    ) -> TokenGrant:
        """A token for the OAuth client's owner (`grant_type=client_credentials`, no user).

        Endpoint: `POST /oauth/token`.

        The JavaScript SDK's `loginAsClientOwner`; a product client yields a token scoped to
        that product. The client goes in HTTP Basic.
        """
        form = {
            "grant_type": "client_credentials",
            "expires_in": expires_in,
            "expires_at": expires_at,
        }
        return await self._grant(form, client_id, client_secret)

    login_as_client_owner = create_for_client

    async def create_customer_token(
        self,
        customer: str,
        *,
        client_id: str,
        client_secret: str,
        expires_in: int | None = None,
        expires_at: str | None = None,
    ) -> TokenGrant:
        """A token scoped to one product customer (two-legged auth: `scope=customer=<email>`).

        Needs the product's OAuth client, sent in HTTP Basic; the customer needs no password.
        """
        form = {
            "grant_type": "client_credentials",
            "scope": f"customer={customer}",
            "expires_in": expires_in,
            "expires_at": expires_at,
        }
        return await self._grant(form, client_id, client_secret)

    async def refresh(
        self,
        refresh_token: str,
        *,
        client_id: str = DEFAULT_CLIENT,
        client_secret: str = DEFAULT_CLIENT,
    ) -> TokenGrant:
        """A new token from a grant's `refresh_token` (`grant_type=refresh_token`).

        The docs note refresh tokens only work for product (client) tokens and live 14
        days; pass the same client that issued the grant, in HTTP Basic.
        """
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._grant(form, client_id, client_secret)

    async def _grant(self, form: dict[str, Any], client_id: str, client_secret: str) -> TokenGrant:
        body = await self._transport.request(
            "POST", "/oauth/token", form=form, auth=(client_id, client_secret)
        )
        return TokenGrant.from_api(body)

    async def current(self) -> CurrentToken:
        """What the token this client uses may do and when it expires (`/access_tokens/current`).

        Endpoint: `GET /v1/access_tokens/current`.
        """
        body = await self._transport.request("GET", "/v1/access_tokens/current")
        return CurrentToken.from_api(body)

    async def delete(
        self, token: str, *, username: str | None = None, password: str | None = None
    ) -> bool:
        """Revoke `token`: with username/password (older API) or with the client's token.

        Endpoint: `DELETE /v1/access_tokens/:token`.
        """
        auth = (username, password) if username is not None and password is not None else None
        body = await self._transport.request(
            "DELETE", path("/v1/access_tokens/{}", token), auth=auth, idempotent=True
        )
        return ok(body)

    async def delete_current(self) -> bool:
        """Revoke the token this client is using (log out).

        Endpoint: `DELETE /v1/access_tokens/current`.
        """
        return ok(
            await self._transport.request("DELETE", "/v1/access_tokens/current", idempotent=True)
        )

    async def delete_all(self) -> bool:
        """Revoke every token of the account, the one this client uses included.

        Endpoint: `DELETE /v1/access_tokens`.
        """
        return ok(await self._transport.request("DELETE", "/v1/access_tokens", idempotent=True))

    async def list(
        self, username: str, password: str, *, otp: str | None = None
    ) -> list[AccessToken]:
        """Your tokens. The API wants your username and password (HTTP Basic), not a token.

        Endpoint: `GET /v1/access_tokens`.

        With MFA on, pass the current `otp` too (sent as a query parameter, as documented).
        Older docs list this endpoint; the current reference no longer does.
        """
        body = await self._transport.request(
            "GET", "/v1/access_tokens", params={"otp": otp}, auth=(username, password)
        )
        return AccessToken.list_from_api(body)
