"""Authentication: `/oauth/token` (form-encoded only, like the OAuth2 server behind it)
and the access-token list and revocation calls.

Clients: the public ones Particle's tools use (`CLI2`, `user`, `particle`, `particle-api`,
`spark`; configurable with `FakeCloud(oauth_clients=...)`) and every client made through
`/v1/clients`, each held to the grants of its kind (`GRANTS` in `_state`). Lifetimes,
`expires_in` or `expires_at`, run on the fake's clock.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._shared import parse_time
from .._state import (
    CORE_GRANTS,
    DEFAULT_TOKEN_LIFETIME,
    CloudState,
    FakeUser,
    OAuthClient,
    TokenRecord,
    iso_ms,
)
from .._wire import (
    ApiError,
    Ctx,
    api,
    basic_credentials,
    bearer_token,
    fail,
    json_response,
    oauth_fail,
    services_of,
    token_invalid,
)

GrantHook = Callable[[Request, dict[str, str], CloudState, OAuthClient], Awaitable[Response | None]]
GRANT_HOOKS: dict[str, GrantHook] = {}
"""Grants other areas add to `/oauth/token` (MFA, customer tokens), by name. Each runs,
once the client is authenticated, before the grants below: it answers, raises an
`ApiError`, or returns None to leave the request to the next one."""


async def _form(request: Request) -> dict[str, str]:
    """Only form bodies count: a JSON body reads as no parameters at all."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    return dict(
        parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    )


def _client(request: Request, form: dict[str, str], state: CloudState) -> OAuthClient:
    """Client credentials by HTTP Basic or form fields; `particle:particle` when absent."""
    client_id, secret = basic_credentials(request) or (
        form.get("client_id", "particle"),
        form.get("client_secret", "particle"),
    )
    client = state.clients.get(client_id)
    if client is None or not secrets.compare_digest(client.secret.encode(), secret.encode()):
        raise oauth_fail(401, "invalid_client", "Client authentication failed")
    return client


def lifetime(form: dict[str, str], state: CloudState) -> int:
    """Seconds the token will last: `expires_in`, or an ISO 8601 `expires_at` (a date or a
    time) measured on the fake's clock; 0 (or `expires_at=null`) never expires."""
    if "expires_at" in form and "expires_in" not in form:
        raw = form["expires_at"].strip()
        if raw.lower() in ("", "null"):
            return 0
        moment = parse_time(raw)
        seconds = int((moment - state.now()).total_seconds()) if moment else 0
        if seconds <= 0:
            raise oauth_fail(400, "invalid_request", "Invalid expires_at parameter")
        return seconds
    raw = form.get("expires_in", str(DEFAULT_TOKEN_LIFETIME)).strip()
    if not raw.isdigit():
        raise oauth_fail(400, "invalid_request", "Invalid expires_in parameter")
    return int(raw)


def granted(record: TokenRecord, seconds: int, refresh: bool = True, status: int = 200) -> Response:
    """The token answer: `expires_in` is what was granted (0: never expires)."""
    body: dict[str, Any] = {
        "token_type": "bearer",
        "access_token": record.token,
        "expires_in": seconds,
    }
    if refresh:
        body["refresh_token"] = record.refresh_token
    return json_response(body, status)


def unauthorized_client() -> ApiError:
    return oauth_fail(
        400, "unauthorized_client", "The grant type is unauthorized for this client_id"
    )


async def create_token(request: Request) -> Response:
    """Client first (401 `invalid_client`), then whether its kind may use the grant, then
    the grant hooks other areas add (MFA, customer tokens), then the core grants."""
    state = services_of(request).state
    form = await _form(request)
    grant = form.get("grant_type")
    if not grant:
        raise oauth_fail(400, "invalid_request", "Invalid or missing grant_type parameter")
    client = _client(request, form, state)
    if grant in CORE_GRANTS and grant not in client.grants:
        raise unauthorized_client()
    for hook in list(GRANT_HOOKS.values()):
        answer = await hook(request, form, state, client)
        if answer is not None:
            return answer
    if grant == "password":
        user = state.check_password(form.get("username", ""), form.get("password", ""))
        if user is None:
            raise oauth_fail(400, "invalid_grant", "User credentials are invalid")
        seconds = lifetime(form, state)
        return granted(state.issue_token(user, client=client.id, expires_in=seconds), seconds)
    if grant == "client_credentials":
        owner = state.users.get(client.owner or "")
        if owner is None:
            raise unauthorized_client()
        seconds = lifetime(form, state)
        record = state.issue_token(owner, client=client.id, expires_in=seconds)
        return granted(record, seconds, refresh=False)
    if grant == "refresh_token":
        return _refresh(state, client, form.get("refresh_token", ""))
    if grant == "authorization_code":  # the fake has no /oauth/authorize to issue codes
        raise oauth_fail(400, "invalid_grant", "Invalid authorization code")
    raise oauth_fail(
        400, "unsupported_grant_type", "Unsupported grant type: `grant_type` is invalid"
    )


def _refresh(state: CloudState, client: OAuthClient, refresh_token: str) -> Response:
    """A refresh token is good once, and only for the client it was issued to."""
    with state.lock:
        old = state.refresh_tokens.get(refresh_token)
        user = state.users.get(old.username) if old is not None else None
    if old is None or user is None or old.client != client.id:
        raise oauth_fail(400, "invalid_grant", "Invalid refresh token")
    state.revoke([old.token])
    return granted(state.issue_token(user, client=client.id), DEFAULT_TOKEN_LIFETIME)


def _basic_user(request: Request) -> FakeUser:
    credentials = basic_credentials(request)
    user = services_of(request).state.check_password(*credentials) if credentials else None
    if user is None:
        raise oauth_fail(401, "invalid_grant", "User credentials are invalid")
    return user


def _token_view(record: TokenRecord) -> dict[str, Any]:
    expires = iso_ms(record.expires_at) if record.expires_at is not None else None
    return {"token": record.token, "expires_at": expires, "client": record.client}


async def list_tokens(request: Request) -> Response:
    """Old-docs call: HTTP Basic username:password, answers a bare array."""
    user = _basic_user(request)
    return json_response([_token_view(t) for t in services_of(request).state.tokens_of(user)])


async def delete_token(request: Request) -> Response:
    """The token to revoke is its own proof: current clients (particle-api-js 11.1+) send
    no credentials. Credentials that are sent must be right (HTTP Basic in the old docs,
    a bearer token in older JS SDKs), and must belong to the token's owner."""
    state = services_of(request).state
    target = str(request.path_params["token"])
    owner = state.token_owner(target)
    if bearer_token(request) is not None or basic_credentials(request) is not None:
        token = bearer_token(request)
        caller = state.token_owner(token) if token else _basic_user(request)
        if caller is None:
            raise token_invalid()
        owner = owner if owner is caller else None
    if owner is None:
        raise fail(404, "Token not found.")
    state.revoke([target])
    return json_response({"ok": True})


async def current_token(ctx: Ctx) -> Response:
    with ctx.state.lock:
        record = ctx.state.tokens.get(ctx.token)
    if record is None:  # revoked since authentication
        raise token_invalid()
    return json_response({**_token_view(record), "scopes": [], "orgs": []})


async def delete_current_token(ctx: Ctx) -> Response:
    ctx.state.revoke([ctx.token])
    return json_response({"ok": True})


async def delete_all_tokens(ctx: Ctx) -> Response:
    ctx.state.revoke(t.token for t in ctx.state.tokens_of(ctx.user))
    return json_response({"ok": True})


routes: list[Route] = [
    Route("/oauth/token", create_token, methods=["POST"]),
    Route("/v1/access_tokens", list_tokens, methods=["GET"]),
    api("/v1/access_tokens", delete_all_tokens, "DELETE"),
    api("/v1/access_tokens/current", current_token, "GET"),
    api("/v1/access_tokens/current", delete_current_token, "DELETE"),
    Route("/v1/access_tokens/{token}", delete_token, methods=["DELETE"]),
]
