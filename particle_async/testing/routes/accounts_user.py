"""Accounts beyond `GET/PUT /v1/user`: sign-up, password reset, account deletion and the
tracking identity. A reset link "e-mailed" by `POST /v1/user/password-reset` lands in
`UserArea.outbox` as `(address, reset token)`, where a test reads it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import CloudState, FakeOrg, FakeProduct, FakeUser
from .._wire import Ctx, api, fail, json_response, read_params, services_of


@dataclass
class UserArea:
    resets: dict[str, str] = field(default_factory=dict)  # reset token -> username
    outbox: list[tuple[str, str]] = field(default_factory=list)  # (to, reset token) "sent"


def area(state: CloudState) -> UserArea:
    return state.area(UserArea)


def remove_account(state: CloudState, user: FakeUser) -> None:
    """Delete an account: its tokens, team seats and OAuth clients go; devices it owned
    become unclaimed."""
    with state.lock:
        state.revoke(t.token for t in state.tokens_of(user))
        if state.users.get(user.username) is user:
            del state.users[user.username]
        teams: list[FakeProduct | FakeOrg] = [*state.products.values(), *state.orgs.values()]
        for team in teams:
            team.members.discard(user.username)
        for device in state.devices.values():
            device.owner = None if device.owner == user.username else device.owner
        for client_id in [c.id for c in state.clients.values() if c.owner == user.username]:
            del state.clients[client_id]


async def create_user(request: Request) -> Response:
    """`POST /v1/users` (sign-up, no token): JSON or form `username`, `password`."""
    state = services_of(request).state
    params, _ = await read_params(request)
    username, password = str(params.get("username", "")), str(params.get("password", ""))
    if "@" not in username:
        raise fail(400, "Username must be an email address")
    if not password:
        raise fail(400, "Password is required")
    try:
        user = state.add_user(username, password)
    except ValueError:
        raise fail(400, "Username is already taken") from None
    info = params.get("account_info")
    with state.lock:
        state.revoke([user.token])  # a sign-up grants no token: the new user logs in
        if isinstance(info, dict):
            user.account_info.update(info)
    return json_response({"ok": True})


async def delete_user(ctx: Ctx) -> Response:
    """`DELETE /v1/user` with the account password in the body."""
    given = str(ctx.param("password", default=""))
    if not secrets.compare_digest(given.encode(), ctx.user.password.encode()):
        raise fail(400, "Password is incorrect")
    remove_account(ctx.state, ctx.user)
    return json_response({"ok": True, "message": "User's account has been deleted."})


async def request_password_reset(request: Request) -> Response:
    """Always 200, so the answer does not tell which e-mails have accounts."""
    state = services_of(request).state
    params, _ = await read_params(request)
    username = str(params.get("username", ""))
    if not username:
        raise fail(400, "Username is required")
    with state.lock:
        if username in state.users:
            token = secrets.token_hex(20)
            area(state).resets[token] = username
            area(state).outbox.append((username, token))
    return json_response({"ok": True, "message": "Password reset email sent."})


async def complete_password_reset(request: Request) -> Response:
    """`PUT /v1/user/password-reset` `{token, password}`: the token works once."""
    state = services_of(request).state
    params, _ = await read_params(request)
    password = str(params.get("password", ""))
    if not password:
        raise fail(400, "Password is required")
    with state.lock:
        username = area(state).resets.pop(str(params.get("token", "")), None)
        user = state.users.get(username or "")
        if user is None:
            raise fail(400, "Invalid or expired password reset token")
        user.password = password
    return json_response({"ok": True, "message": "User's password updated."})


async def tracking_identity(ctx: Ctx) -> Response:
    """`tracking=1` asks for the ID alone (the JS SDK's default), else the e-mail too."""
    if ctx.query("tracking") not in (None, "", "0", "false"):
        return json_response({"id": ctx.user.id})
    return json_response({"id": ctx.user.id, "email": ctx.user.username})


routes: list[Route] = [
    Route("/v1/users", create_user, methods=["POST"]),
    api("/v1/user", delete_user, "DELETE"),
    Route("/v1/user/password-reset", request_password_reset, methods=["POST"]),
    Route("/v1/user/password-reset", complete_password_reset, methods=["PUT"]),
    api("/v1/user/identify", tracking_identity, "GET"),
]
