"""Teams of a product or an organization: people and API users.

Every route exists as `/v1/products/:product/team...` and `/v1/orgs/:org/team...`; the
caller must be on that team (403 otherwise, 404 for an unknown product or org). An
invitation is accepted at once, so the invitee is a member as soon as the call returns.
An API user is an account made for machines: one non-expiring token, issued again when
its scopes change or on `.../token`, and deleted with its seat.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_org, resolve_product
from .._state import CloudState, FakeOrg, FakeProduct, FakeUser
from .._wire import Ctx, api, fail, json_response
from .accounts_user import remove_account

ROLES = ("Administrator", "Developer", "View-only", "Support")

Team = FakeProduct | FakeOrg
TeamKey = tuple[str, str]  # ("product", "1234") or ("org", org ID)


@dataclass
class ApiUser:
    friendly_name: str
    scopes: list[str]
    product_id: int | None


@dataclass
class TeamArea:
    roles: dict[tuple[TeamKey, str], str] = field(default_factory=dict)  # (team, user ID)
    api_users: dict[str, ApiUser] = field(default_factory=dict)  # by user ID


def area(state: CloudState) -> TeamArea:
    return state.area(TeamArea)


def _team(ctx: Ctx) -> tuple[TeamKey, Team]:
    if "product" in ctx.request.path_params:
        product = resolve_product(ctx, ctx.path("product"))
        return ("product", str(product.id)), product
    org = resolve_org(ctx, ctx.path("org"))
    return ("org", org.id), org


def _member_view(
    state: CloudState, key: TeamKey, username: str, token: str | None = None
) -> dict[str, Any]:
    user = state.users.get(username)
    if user is None:
        return {"username": username}
    robot = area(state).api_users.get(user.id)
    view: dict[str, Any]
    if robot is not None:
        view = {
            "username": username,
            "friendly_name": robot.friendly_name,
            "scopes": list(robot.scopes),
            "is_programmatic": True,
            "product_id": robot.product_id,
        }
    else:
        view = {"_id": user.id, "username": username}
        role = area(state).roles.get((key, user.id))
        if role is not None:
            view["role"] = role
    if token is not None:
        view["tokens"] = [{"token": token}]
    return view


def _member(ctx: Ctx, team: Team) -> FakeUser:
    user = ctx.state.users.get(ctx.path("username"))
    if user is None or user.username not in team.members:
        raise fail(404, "User is not a member of this team")
    return user


def _role(ctx: Ctx) -> str | None:
    role = ctx.param("role")
    if role is not None and role not in ROLES:
        raise fail(400, f"role must be one of {', '.join(ROLES)}")
    return None if role is None else str(role)


async def list_team(ctx: Ctx) -> Response:
    key, team = _team(ctx)
    with ctx.state.lock:
        views = [_member_view(ctx.state, key, name) for name in sorted(team.members)]
    return json_response({"ok": True, "team": views})


async def add_member(ctx: Ctx) -> Response:
    """Invite (`username`, optional `role`) or create an API user (`friendly_name`,
    `scopes`): one route, told apart by the fields sent."""
    if ctx.param("friendly_name") is not None or ctx.param("scopes") is not None:
        return _create_api_user(ctx)
    key, team = _team(ctx)
    role = _role(ctx)
    with ctx.state.lock:
        user = ctx.state.users.get(str(ctx.param("username", default="")))
        if user is None:
            raise fail(404, "User not found. Only Particle users can be invited")
        if user.username in team.members:
            raise fail(400, "User is already a member of this team")
        team.members.add(user.username)
        if role is not None:
            area(ctx.state).roles[(key, user.id)] = role
    return json_response({"ok": True, "invited": {"username": user.username}})


def _scopes(ctx: Ctx) -> list[str]:
    scopes = ctx.param("scopes")
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) for s in scopes):
        raise fail(400, "scopes must be a non-empty list of strings")
    return list(scopes)


def _create_api_user(ctx: Ctx) -> Response:
    key, team = _team(ctx)
    name = str(ctx.param("friendly_name", default="")).strip()
    if not name:
        raise fail(400, "friendly_name is required")
    scopes = _scopes(ctx)
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "api-user"
    with ctx.state.lock:
        username = f"{stem}+{secrets.token_hex(4)}@api.particle.io"
        user = ctx.state.add_user(username, secrets.token_hex(20))  # never logs in by password
        ctx.state.revoke([user.token])
        product_id = int(key[1]) if key[0] == "product" else None
        area(ctx.state).api_users[user.id] = ApiUser(name, scopes, product_id)
        team.members.add(user.username)
        token = ctx.state.issue_token(user, client="particle", expires_in=None).token
        view = _member_view(ctx.state, key, user.username, token)
    return json_response({"ok": True, "created": view})


def _new_token(state: CloudState, user: FakeUser) -> str:
    """The API user's one token: every older one is revoked."""
    state.revoke(t.token for t in state.tokens_of(user))
    return state.issue_token(user, client="particle", expires_in=None).token


async def update_member(ctx: Ctx) -> Response:
    """A person's `role`, or an API user's `friendly_name`/`scopes`; new scopes come with
    a new token (in `updated.tokens`)."""
    key, team = _team(ctx)
    role = _role(ctx)
    name, scopes = ctx.param("friendly_name"), ctx.param("scopes")
    if role is None and name is None and scopes is None:
        raise fail(400, "Nothing to update: give role, friendly_name or scopes")
    with ctx.state.lock:
        user = _member(ctx, team)
        robot = area(ctx.state).api_users.get(user.id)
        token = None
        if robot is None and (name is not None or scopes is not None):
            raise fail(400, "Only API users have a friendly_name and scopes")
        if robot is not None:
            robot.friendly_name = str(name) if name is not None else robot.friendly_name
            if scopes is not None:
                robot.scopes = _scopes(ctx)
                token = _new_token(ctx.state, user)
        if role is not None:
            area(ctx.state).roles[(key, user.id)] = role
        view = _member_view(ctx.state, key, user.username, token)
    return json_response({"ok": True, "updated": view})


async def regenerate_token(ctx: Ctx) -> Response:
    key, team = _team(ctx)
    with ctx.state.lock:
        user = _member(ctx, team)
        if user.id not in area(ctx.state).api_users:
            raise fail(400, "Only API users have a token to regenerate")
        view = _member_view(ctx.state, key, user.username, _new_token(ctx.state, user))
    return json_response({"ok": True, "updated": view})


async def remove_member(ctx: Ctx) -> Response:
    """An API user is deleted with its seat (its token stops working)."""
    key, team = _team(ctx)
    with ctx.state.lock:
        user = _member(ctx, team)
        team.members.discard(user.username)
        area(ctx.state).roles.pop((key, user.id), None)
        if area(ctx.state).api_users.pop(user.id, None) is not None:
            remove_account(ctx.state, user)
    return json_response({"ok": True})


def _team_routes(base: str) -> list[Route]:
    member = base + "/team/{username}"
    return [
        api(base + "/team", list_team, "GET"),
        api(base + "/team", add_member, "POST"),
        api(member, update_member, "PUT"),
        api(member, update_member, "POST"),  # the reference's verb; the API-user guide's is PUT
        api(member, remove_member, "DELETE"),
        api(member + "/token", regenerate_token, "PUT"),
        api(member + "/token", regenerate_token, "POST"),
    ]


routes: list[Route] = [*_team_routes("/v1/products/{product}"), *_team_routes("/v1/orgs/{org}")]
