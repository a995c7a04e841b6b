"""Cloud secrets of a user's sandbox (`/v1/secrets`) or of an organization
(`/v1/orgs/:org/secrets`, members only).

Values go in and never come out: answers carry names, dates and usage only. Other areas
use `use_secret` to record that an integration or logic function uses a secret (`DELETE`
then refuses it) and `read_secret` to read its value as such a run would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_org
from .._state import CloudState, FakeOrg, FakeUser, iso_ms, utcnow
from .._wire import Ctx, api, fail, json_response

SECRET_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")

VaultKey = tuple[str, str]  # ("user", user ID) or ("org", org ID)


@dataclass
class Secret:
    name: str
    value: str = field(repr=False)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    last_accessed_at: datetime | None = None
    integrations: list[dict[str, Any]] = field(default_factory=list)
    logic_functions: list[Any] = field(default_factory=list)  # IDs, or {name, id} objects


@dataclass
class SecretsArea:
    vaults: dict[VaultKey, dict[str, Secret]] = field(default_factory=dict)


def area(state: CloudState) -> SecretsArea:
    return state.area(SecretsArea)


def _vault(ctx: Ctx) -> dict[str, Secret]:
    """The sandbox's secrets, or the organization's (members only)."""
    if "org" in ctx.request.path_params:
        key: VaultKey = ("org", resolve_org(ctx, ctx.path("org")).id)
    else:
        key = ("user", ctx.user.id)
    return area(ctx.state).vaults.setdefault(key, {})


def _secret_view(secret: Secret) -> dict[str, Any]:
    last = secret.last_accessed_at
    return {
        "name": secret.name,
        "created_at": iso_ms(secret.created_at),
        "updated_at": iso_ms(secret.updated_at),
        "last_accessed_at": iso_ms(last) if last is not None else None,
        "integrations": [dict(i) for i in secret.integrations],
        "logic_functions": [f if isinstance(f, str) else dict(f) for f in secret.logic_functions],
    }


def _secret_fields(ctx: Ctx) -> dict[str, Any]:
    """The documented `{secret: {name, value}}` body, or flat `name`/`value` fields."""
    nested = ctx.param("secret")
    return dict(nested) if isinstance(nested, dict) else dict(ctx.params)


def _found(vault: dict[str, Secret], name: str) -> Secret:
    secret = vault.get(name)
    if secret is None:
        raise fail(404, "Secret not found")
    return secret


async def list_secrets(ctx: Ctx) -> Response:
    with ctx.state.lock:
        vault = _vault(ctx)
        return json_response({"secrets": [_secret_view(vault[n]) for n in sorted(vault)]})


async def get_secret(ctx: Ctx) -> Response:
    with ctx.state.lock:
        return json_response({"secret": _secret_view(_found(_vault(ctx), ctx.path("name")))})


def _store(vault: dict[str, Secret], name: str, value: Any) -> Secret:
    if not SECRET_NAME.fullmatch(name):
        raise fail(400, "Invalid secret name: use uppercase letters, digits and underscores")
    if not isinstance(value, str) or not value:
        raise fail(400, "value is required")
    secret = vault.get(name)
    if secret is None:
        secret = vault[name] = Secret(name, value)
    else:
        secret.value, secret.updated_at = value, utcnow()
    return secret


async def create_secret(ctx: Ctx) -> Response:
    fields = _secret_fields(ctx)
    name = str(fields.get("name", ""))
    with ctx.state.lock:
        vault = _vault(ctx)
        if name in vault:
            raise fail(400, f"A secret named {name} already exists")
        secret = _store(vault, name, fields.get("value"))
        return json_response({"secret": _secret_view(secret)}, 201)


async def update_secret(ctx: Ctx) -> Response:
    """Sets the value everywhere the secret is used; creates a missing secret (201), as
    the Particle CLI's `secrets set` relies on."""
    with ctx.state.lock:
        vault = _vault(ctx)
        existed = ctx.path("name") in vault
        secret = _store(vault, ctx.path("name"), _secret_fields(ctx).get("value"))
        return json_response({"secret": _secret_view(secret)}, 200 if existed else 201)


async def delete_secret(ctx: Ctx) -> Response:
    with ctx.state.lock:
        vault = _vault(ctx)
        secret = _found(vault, ctx.path("name"))
        if secret.integrations or secret.logic_functions:
            raise fail(400, "Secret is in use by integrations or logic functions")
        del vault[secret.name]
    return Response(status_code=204)


def _stored(state: CloudState, name: str, owner: FakeUser | FakeOrg) -> Secret:
    """Secret `name` of a user's sandbox or of an organization (KeyError if none)."""
    key: VaultKey = ("org", owner.id) if isinstance(owner, FakeOrg) else ("user", owner.id)
    return area(state).vaults.get(key, {})[name]


def use_secret(
    state: CloudState,
    name: str,
    owner: FakeUser | FakeOrg,
    *,
    integration: dict[str, Any] | None = None,
    logic_function: str | dict[str, Any] | None = None,
) -> None:
    """For other areas: an integration (`{name, id}`) or logic function (its ID, as the
    Particle CLI's fixtures show, or `{name, id}`) of the sandbox or organization `owner`
    now uses secret `name`, so it cannot be deleted."""
    with state.lock:
        secret = _stored(state, name, owner)
        if integration is not None:
            secret.integrations.append(dict(integration))
        if logic_function is not None:
            secret.logic_functions.append(
                logic_function if isinstance(logic_function, str) else dict(logic_function)
            )


def read_secret(state: CloudState, name: str, owner: FakeUser | FakeOrg) -> str:
    """For other areas: the value, as an integration or logic run reads it (this sets
    `last_accessed_at`)."""
    with state.lock:
        secret = _stored(state, name, owner)
        secret.last_accessed_at = utcnow()
        return secret.value


def _secret_routes(base: str) -> list[Route]:
    return [
        api(base + "/secrets", list_secrets, "GET"),
        api(base + "/secrets", create_secret, "POST"),
        api(base + "/secrets/{name}", get_secret, "GET"),
        api(base + "/secrets/{name}", update_secret, "PUT"),
        api(base + "/secrets/{name}", delete_secret, "DELETE"),
    ]


routes: list[Route] = [*_secret_routes("/v1"), *_secret_routes("/v1/orgs/{org}")]
