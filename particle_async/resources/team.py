"""`cloud.team`: team members and API users of a product or an organization.

Every call takes exactly one scope: `product=` (id or slug) or `org=` (id or slug).
API users are team members made for machines: `create_api_user` returns their single,
non-expiring token (in `TeamMember.token`); changing their scopes or calling
`regenerate_token` issues a new one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..models.team import TeamMember
from ._base import ProductId, Resource, drop_none, ok, path

__all__ = ["Team"]


def _team_path(product: ProductId | None, org: str | None, suffix: str = "", *parts: object) -> str:
    """`/v1/products/:product/team...` or `/v1/orgs/:org/team...`: exactly one scope."""
    if (product is None) == (org is None):
        raise ValueError("pass exactly one of product= or org=")
    if product is not None:
        return path("/v1/products/{}/team" + suffix, product, *parts)
    return path("/v1/orgs/{}/team" + suffix, org, *parts)


def _member(body: Any, *keys: str) -> TeamMember:
    """The member inside `{ok, <key>: {...}}` answers (`invited`, `created`, `updated`).

    The docs show the API user's token in a `tokens` list; a bare `token` string (as a
    regenerate answer may carry) is read too.
    """
    data: Any = body or {}
    if isinstance(data, Mapping):
        data = next((data[k] for k in keys if isinstance(data.get(k), Mapping)), data)
    member = TeamMember.from_api(data)
    single = data.get("token") if isinstance(data, Mapping) else None
    if member.token is None and isinstance(single, str) and single:
        member = attrs.evolve(member, token=single)
    return member


_ANSWER_KEYS = ("created", "updated", "invited", "user", "member")


class Team(Resource):
    """Team members and API users (`product=` or `org=` on every call)."""

    async def list(
        self, product: ProductId | None = None, *, org: str | None = None
    ) -> list[TeamMember]:
        """Every member, API users included (`is_programmatic`).

        Endpoint: `GET /v1/products/:product/team`.
        """
        body = await self._transport.request("GET", _team_path(product, org))
        items = body.get("team", []) if isinstance(body, Mapping) else body
        return TeamMember.list_from_api(items)

    async def invite(
        self,
        username: str,
        product: ProductId | None = None,
        *,
        org: str | None = None,
        role: str | None = None,
    ) -> TeamMember:
        """Invite a Particle user by e-mail; they accept from the invitation e-mail.

        Endpoint: `POST /v1/products/:product/team`.

        `role` (Administrator, Developer, View-only, Support) is sent only when given: the
        docs require it, the JavaScript SDK never sends it.
        """
        body = drop_none({"username": username, "role": role})
        result = await self._transport.request("POST", _team_path(product, org), json_body=body)
        return _member(result, "invited", *_ANSWER_KEYS)

    async def remove(
        self, username: str, product: ProductId | None = None, *, org: str | None = None
    ) -> bool:
        """Remove a member (or delete an API user, whose token stops working).

        Endpoint: `DELETE /v1/products/:product/team/:username`.
        """
        body = await self._transport.request(
            "DELETE", _team_path(product, org, "/{}", username), idempotent=True
        )
        return ok(body)

    async def create_api_user(
        self,
        friendly_name: str,
        scopes: Sequence[str],
        product: ProductId | None = None,
        *,
        org: str | None = None,
    ) -> TeamMember:
        """Create an API user with `scopes` (e.g. `["devices:list"]`); `.token` is its token.

        Endpoint: `POST /v1/products/:product/team` (or `/v1/orgs/:org/team`).

        Same route as `invite`, JSON body. Never re-sent once it may have reached the server.
        """
        body = {"friendly_name": friendly_name, "scopes": list(scopes)}
        result = await self._transport.request("POST", _team_path(product, org), json_body=body)
        return _member(result, *_ANSWER_KEYS)

    async def update(
        self,
        username: str,
        product: ProductId | None = None,
        *,
        org: str | None = None,
        friendly_name: str | None = None,
        scopes: Sequence[str] | None = None,
        role: str | None = None,
    ) -> TeamMember:
        """Update a member or API user (`PUT`, as the API-user guide uses).

        Endpoint: `PUT /v1/products/:product/team/:username` (or `/v1/orgs/:org/team/:username`).

        A scope change issues the API user a new token, returned in `.token`.
        """
        body = drop_none(
            {
                "friendly_name": friendly_name,
                "scopes": list(scopes) if scopes is not None else None,
                "role": role,
            }
        )
        if not body:
            raise ValueError("update() needs friendly_name, scopes or role")
        result = await self._transport.request(
            "PUT", _team_path(product, org, "/{}", username), json_body=body, idempotent=True
        )
        return _member(result, *_ANSWER_KEYS)

    async def regenerate_token(
        self, username: str, product: ProductId | None = None, *, org: str | None = None
    ) -> TeamMember:
        """Give an API user a new token (the old one stops working); `.token` holds it.

        Endpoint: `PUT /v1/products/:product/team/:username/token` (or
        `/v1/orgs/:org/team/:username/token`).

        `PUT .../team/:username/token`. A retry after a lost answer is safe: the newest
        answer always carries the token that is valid.
        """
        result = await self._transport.request(
            "PUT", _team_path(product, org, "/{}/token", username), idempotent=True
        )
        return _member(result, *_ANSWER_KEYS)
