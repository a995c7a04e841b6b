"""Integrations (Webhook, AzureIotHub, GoogleCloudPubSub, GoogleMaps) and the legacy
`/v1/webhooks` routes, for the caller's account or (`/v1/products/:product/...`) a product.

An integration belongs to one scope and is invisible (404) from any other. An edit
replaces the whole configuration, as the docs say. The test route cannot reach the
internet: it passes unless the target's host is under `.invalid` (RFC 2606), and either
way the request and response land in the integration's `logs` (the last 10).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_product
from .._state import iso_ms, utcnow
from .._wire import Ctx, Handler, api, fail, json_response

REQUIRED: dict[str, tuple[str, ...]] = {
    "Webhook": ("url",),
    "AzureIotHub": ("hub_name", "policy_name", "policy_key"),
    "GoogleCloudPubSub": ("topic",),
    "GoogleMaps": ("api_key",),
}
DEVICE_KEYS = ("deviceID", "deviceid", "deviceId")  # docs, JS createIntegration, createWebhook
RESERVED = ("id", "created_at", "logs", "ok", "access_token", *DEVICE_KEYS)
MAX_LOGS = 10


@dataclass
class Integration:
    id: str
    scope: str  # "user:<username>" or "product:<id>"
    settings: dict[str, Any]  # integration_type, event, url, ... as configured
    device_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    logs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class IntegrationsState:
    integrations: dict[str, Integration] = field(default_factory=dict)


def store(ctx: Ctx) -> IntegrationsState:
    return ctx.state.area(IntegrationsState)


def scope_of(ctx: Ctx) -> str:
    """The caller's account, or the product in the path (404/403 as for any product)."""
    if "product" in ctx.request.path_params:
        return f"product:{resolve_product(ctx, ctx.path('product')).id}"
    return f"user:{ctx.user.username}"


def view(hook: Integration, base: str) -> dict[str, Any]:
    kind, _, owner = hook.scope.partition(":")
    path = f"products/{owner}/" if kind == "product" else ""
    body = {
        "id": hook.id,
        "created_at": iso_ms(hook.created_at),
        **hook.settings,
        "integrationUrl": f"{base}/v1/{path}integrations/{hook.id}",
    }
    if hook.device_id:
        body["deviceID"] = hook.device_id
    return body


def _base(ctx: Ctx) -> str:
    return str(ctx.request.base_url).rstrip("/")


def configure(
    params: Mapping[str, Any], integration_type: str
) -> tuple[dict[str, Any], str | None]:
    """The settings of a create or edit body, checked for the type's required fields."""
    if integration_type not in REQUIRED:
        raise fail(400, f"Unknown integration_type {integration_type}")
    settings = {k: v for k, v in params.items() if k not in RESERVED}
    settings["integration_type"] = integration_type
    if not settings.get("event"):
        raise fail(400, "event is required")
    missing = [k for k in REQUIRED[integration_type] if not settings.get(k)]
    if missing:
        raise fail(400, f"{', '.join(missing)} is required for a {integration_type} integration")
    if integration_type == "Webhook":
        settings.setdefault("requestType", "POST")
        if str(settings["requestType"]).upper() not in ("GET", "POST", "PUT", "DELETE"):
            raise fail(400, "requestType must be GET, POST, PUT or DELETE")
    target = {
        "Webhook": urlsplit(str(settings.get("url", ""))).hostname or "",
        "AzureIotHub": settings.get("hub_name"),
        "GoogleCloudPubSub": settings.get("topic"),
        "GoogleMaps": "Google Maps",
    }[integration_type]
    settings.setdefault("name", f"{settings['event']} for {target}")
    device = next((params[k] for k in DEVICE_KEYS if params.get(k)), None)
    return settings, None if device is None else str(device)


def resolve(ctx: Ctx, key: str, *, webhooks_only: bool = False) -> Integration:
    scope = scope_of(ctx)
    with ctx.state.lock:
        hook = store(ctx).integrations.get(ctx.path(key))
    if hook is None or hook.scope != scope:
        raise fail(404, "Integration not found")
    if webhooks_only and hook.settings.get("integration_type") != "Webhook":
        raise fail(404, "Webhook not found")
    return hook


def _add(ctx: Ctx, settings: dict[str, Any], device_id: str | None) -> Integration:
    hook = Integration(secrets.token_hex(12), scope_of(ctx), settings, device_id)
    with ctx.state.lock:
        store(ctx).integrations[hook.id] = hook
    return hook


def _listed(ctx: Ctx, *, webhooks_only: bool) -> Response:
    scope = scope_of(ctx)
    with ctx.state.lock:
        found = [h for h in store(ctx).integrations.values() if h.scope == scope]
    if webhooks_only:
        found = [h for h in found if h.settings.get("integration_type") == "Webhook"]
    found.sort(key=lambda h: h.created_at)
    return json_response([view(h, _base(ctx)) for h in found])


# -- integrations ------------------------------------------------------------------------


async def create_integration(ctx: Ctx) -> Response:
    settings, device_id = configure(ctx.params, str(ctx.param("integration_type", default="")))
    hook = _add(ctx, settings, device_id)
    return json_response({"ok": True, **view(hook, _base(ctx))}, status=201)


async def list_integrations(ctx: Ctx) -> Response:
    return _listed(ctx, webhooks_only=False)


async def get_integration(ctx: Ctx) -> Response:
    hook = resolve(ctx, "integrationId")
    return json_response({"integration": {**view(hook, _base(ctx)), "logs": list(hook.logs)}})


async def edit_integration(ctx: Ctx) -> Response:
    """Replaces the configuration; the type and the event are kept when not sent."""
    hook = resolve(ctx, "integrationId")
    kind = str(ctx.param("integration_type", default=hook.settings["integration_type"]))
    settings, device_id = configure({"event": hook.settings["event"], **ctx.params}, kind)
    with ctx.state.lock:
        hook.settings, hook.device_id = settings, device_id
    return json_response({"integration": view(hook, _base(ctx))})


async def delete_integration(ctx: Ctx) -> Response:
    hook = resolve(ctx, "integrationId")
    with ctx.state.lock:
        store(ctx).integrations.pop(hook.id, None)
    return Response(status_code=204)


async def test_integration(ctx: Ctx) -> Response:
    """`{pass, data, error?}`; `data` defaults to "test-event", `device_id` to "api"."""
    hook = resolve(ctx, "integrationId")
    data = str(ctx.param("data", default="test-event"))
    device_id = str(ctx.param("device_id", default="api"))
    host = urlsplit(str(hook.settings.get("url", ""))).hostname or ""
    passed = not (host == "invalid" or host.endswith(".invalid"))
    error = None if passed else f"getaddrinfo ENOTFOUND {host}"
    entry = {
        "time": iso_ms(utcnow()),
        "event": {"name": hook.settings["event"], "data": data, "coreid": device_id},
        "request": {
            "method": hook.settings.get("requestType", "POST"),
            "url": hook.settings.get("url"),
        },
        "response": {"statusCode": 200, "body": "ok"} if passed else {"error": error},
    }
    with ctx.state.lock:
        hook.logs = [entry, *hook.logs][:MAX_LOGS]
    answer: dict[str, Any] = {"pass": passed, "data": None}
    if error:
        answer["error"] = error
    return json_response(answer)


# -- legacy webhook routes ---------------------------------------------------------------


async def create_webhook(ctx: Ctx) -> Response:
    """201 `{ok, id, url, event, name, created_at, hookUrl, ...}`."""
    settings, device_id = configure(ctx.params, "Webhook")
    hook = _add(ctx, settings, device_id)
    body = view(hook, _base(ctx))
    body["hookUrl"] = body.pop("integrationUrl").replace("/integrations/", "/webhooks/")
    return json_response({"ok": True, **body}, status=201)


async def list_webhooks(ctx: Ctx) -> Response:
    return _listed(ctx, webhooks_only=True)


async def delete_webhook(ctx: Ctx) -> Response:
    hook = resolve(ctx, "hookId", webhooks_only=True)
    with ctx.state.lock:
        store(ctx).integrations.pop(hook.id, None)
    return Response(status_code=204)


def _both(path: str, handler: Handler, method: str) -> list[Route]:
    """The user route and its `/v1/products/:product` twin."""
    return [
        api("/v1" + path, handler, method),
        api("/v1/products/{product}" + path, handler, method),
    ]


routes: list[Route] = [
    *_both("/webhooks", create_webhook, "POST"),
    *_both("/webhooks", list_webhooks, "GET"),
    *_both("/webhooks/{hookId}", delete_webhook, "DELETE"),
    *_both("/integrations", create_integration, "POST"),
    *_both("/integrations", list_integrations, "GET"),
    *_both("/integrations/{integrationId}", get_integration, "GET"),
    *_both("/integrations/{integrationId}", edit_integration, "PUT"),
    *_both("/integrations/{integrationId}", delete_integration, "DELETE"),
    *_both("/integrations/{integrationId}/test", test_integration, "POST"),
]
