"""`cloud.tokens`: create tokens with the password grant, list and revoke them."""

from __future__ import annotations

from .._transport import DEFAULT_CLIENT
from ..models import AccessToken, TokenGrant
from ._base import Resource, path

__all__ = ["Tokens"]


class Tokens(Resource):
    """Access tokens. `/oauth/token` only takes form-encoded bodies, so that is what we send."""

    async def create(
        self,
        username: str,
        password: str,
        *,
        client_id: str = DEFAULT_CLIENT,
        client_secret: str = DEFAULT_CLIENT,
        expires_in: int | None = None,
        expires_at: str | None = None,
    ) -> TokenGrant:
        """A new token for `username` (`grant_type=password`); the client goes in HTTP Basic."""
        form = {
            "grant_type": "password",
            "username": username,
            "password": password,
            "expires_in": expires_in,
            "expires_at": expires_at,
        }
        body = await self._transport.request(
            "POST", "/oauth/token", form=form, auth=(client_id, client_secret), idempotent=False
        )
        return TokenGrant.from_api(body)

    login = create

    async def list(self, username: str, password: str) -> list[AccessToken]:
        """Your tokens. The API wants your username and password here, not a token."""
        body = await self._transport.request("GET", "/v1/access_tokens", auth=(username, password))
        return AccessToken.list_from_api(body)

    async def delete(
        self, token: str, *, username: str | None = None, password: str | None = None
    ) -> bool:
        """Revoke `token`: with username/password (older API) or with the client's token."""
        auth = (username, password) if username is not None and password is not None else None
        body = await self._transport.request(
            "DELETE", path("/v1/access_tokens/{}", token), auth=auth
        )
        return bool((body or {}).get("ok", True))

    async def delete_current(self) -> bool:
        """Revoke the token this client is using."""
        body = await self._transport.request("DELETE", "/v1/access_tokens/current")
        return bool((body or {}).get("ok", True))
