"""`cloud.secrets`: cloud secrets of your sandbox (default) or of an organization (`org=`).

Secrets hold API keys and passwords for integrations and Logic; the API never returns a
value once stored. The org form (`/v1/orgs/:org/secrets`) is the one the Particle CLI
uses; the reference lists only the sandbox paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..models.secrets import CloudSecret
from ._base import Resource, ok, path

__all__ = ["SECRET_NAME", "Secrets"]

SECRET_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
"""Valid secret names: uppercase letters, digits and underscores, not starting with a digit."""


def _secrets_path(org: str | None, name: str | None = None) -> str:
    base = "/v1/secrets" if org is None else path("/v1/orgs/{}/secrets", org)
    return base if name is None else base + path("/{}", name)


def _check(name: str) -> str:
    if not SECRET_NAME.fullmatch(name):
        raise ValueError(
            f"invalid secret name {name!r}: use uppercase letters, digits and underscores, "
            "not starting with a digit"
        )
    return name


def _secret(body: Any) -> CloudSecret:
    if isinstance(body, Mapping) and isinstance(body.get("secret"), Mapping):
        body = body["secret"]
    return CloudSecret.from_api(body)


class Secrets(Resource):
    """Cloud secrets: names and usage only; values go in, never come out."""

    async def list(self, *, org: str | None = None) -> list[CloudSecret]:
        """Every secret of the sandbox or of `org` (`{secrets}`).

        Endpoint: `GET /v1/secrets`.
        """
        body = await self._transport.request("GET", _secrets_path(org))
        items = body.get("secrets", []) if isinstance(body, Mapping) else body
        return CloudSecret.list_from_api(items)

    async def get(self, name: str, *, org: str | None = None) -> CloudSecret:
        """One secret's metadata and where it is used (integrations, logic functions).

        Endpoint: `GET /v1/secrets/:secretName`.
        """
        return _secret(await self._transport.request("GET", _secrets_path(org, name)))

    async def create(self, name: str, value: str, *, org: str | None = None) -> CloudSecret:
        """Create a secret (`POST`, JSON `{secret: {name, value}}`, 201); the name is checked.

        Endpoint: `POST /v1/secrets`.
        """
        body = {"secret": {"name": _check(name), "value": value}}
        return _secret(await self._transport.request("POST", _secrets_path(org), json_body=body))

    async def update(self, name: str, value: str, *, org: str | None = None) -> CloudSecret:
        """Set a secret's value (`PUT`, JSON `{secret: {value}}`); every user of it sees it.

        Endpoint: `PUT /v1/secrets/:secretName`.

        The Particle CLI's `secrets set` relies on this route to create a missing secret too.
        """
        body = {"secret": {"value": value}}
        return _secret(
            await self._transport.request(
                "PUT", _secrets_path(org, _check(name)), json_body=body, idempotent=True
            )
        )

    async def delete(self, name: str, *, org: str | None = None) -> bool:
        """Delete a secret (204); refused (an error) while integrations or logic use it.

        Endpoint: `DELETE /v1/secrets/:secretName`.
        """
        body = await self._transport.request("DELETE", _secrets_path(org, name), idempotent=True)
        return ok(body)
