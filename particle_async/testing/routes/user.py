"""The current user: `GET /v1/user` and `PUT /v1/user`, whose one route sets account
info, changes the username or changes the password depending on the fields sent."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._state import FakeUser
from .._wire import Ctx, api, fail, json_response

ACCOUNT_DEFAULTS: dict[str, Any] = {"first_name": "", "last_name": "", "business_account": False}


def user_view(user: FakeUser) -> dict[str, Any]:
    return {
        "username": user.username,
        "subscription_ids": [],
        "account_info": {**ACCOUNT_DEFAULTS, **user.account_info},
        "mfa": {"enabled": False},
        "scim_provisioned": False,
        "no_password": False,
    }


async def get_user(ctx: Ctx) -> Response:
    return json_response(user_view(ctx.user))


async def update_user(ctx: Ctx) -> Response:
    info = ctx.param("account_info", "accountInfo")
    username = ctx.param("username")
    password = ctx.param("password")
    if info is None and username is None and password is None:
        raise fail(400, "Nothing to do?")
    if info is not None:
        _set_account_info(ctx, info)
    if username is not None or password is not None:
        _check_current_password(ctx)
    if username is not None:
        _change_username(ctx, str(username))
    if password is not None:
        with ctx.state.lock:
            ctx.user.password = str(password)
    if str(ctx.param("invalidate_tokens", default="")).lower() in ("1", "true"):
        ctx.state.revoke(t.token for t in ctx.state.tokens_of(ctx.user))
    return json_response({"ok": True})


def _set_account_info(ctx: Ctx, info: Any) -> None:
    if not isinstance(info, dict):
        raise fail(400, "account_info must be an object")
    with ctx.state.lock:
        ctx.user.account_info.update(info)


def _check_current_password(ctx: Ctx) -> None:
    given = str(ctx.param("current_password", default=""))
    if not secrets.compare_digest(given.encode(), ctx.user.password.encode()):
        raise fail(400, "Current password is incorrect")


def _change_username(ctx: Ctx, username: str) -> None:
    if "@" not in username:
        raise fail(400, "Username must be an email address")
    try:
        ctx.state.rename_user(ctx.user, username)
    except ValueError:
        raise fail(400, "Username is already taken") from None


routes: list[Route] = [
    api("/v1/user", get_user, "GET"),
    api("/v1/user", update_user, "PUT"),
]
