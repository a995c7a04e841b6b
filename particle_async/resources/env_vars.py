"""`cloud.env_vars`: environment variables for your sandbox, a device, a product or an org.

Each call targets one scope: the sandbox (`/v1/env`) by default, or exactly one of
`device_id=`, `product=` (id or slug) or `org=` (id or slug). Edits land in `latest`;
devices get them when you start a rollout.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..models.env_vars import EnvRollout, EnvVarsState, RenderedEnvVars
from ._base import ProductId, Resource, path

__all__ = ["MAX_OPS", "EnvVars"]

MAX_OPS = 50
"""The most operations one `update` may carry."""


def _env_path(device_id: str | None, product: ProductId | None, org: str | None, *tail: str) -> str:
    """`/v1/env`, `/v1/env/:device`, `/v1/products/:product/env` or `/v1/orgs/:org/env`."""
    given = [s for s in (device_id, product, org) if s is not None]
    if len(given) > 1:
        raise ValueError("pass at most one of device_id=, product=, org= (none: your sandbox)")
    suffix = "/{}" * len(tail)
    if product is not None:
        return path("/v1/products/{}/env" + suffix, product, *tail)
    if org is not None:
        return path("/v1/orgs/{}/env" + suffix, org, *tail)
    if device_id is not None:
        return path("/v1/env/{}" + suffix, device_id, *tail)
    return path("/v1/env" + suffix, *tail)


class EnvVars(Resource):
    """Environment variables. Without a scope argument, calls act on your sandbox."""

    async def list(
        self,
        *,
        device_id: str | None = None,
        product: ProductId | None = None,
        org: str | None = None,
    ) -> EnvVarsState:
        """The scope's variables: `latest` (as edited), `last_snapshot` (as rolled out),
        and for a device what it last reported (`on_device`).

        Endpoint: `GET /v1/env` (or
        `/v1/env/:deviceId`, or
        `/v1/products/:product/env`, or
        `/v1/orgs/:org/env`).
        """
        body = await self._transport.request("GET", _env_path(device_id, product, org))
        return EnvVarsState.from_api(body)

    async def update(
        self,
        ops: Sequence[Mapping[str, Any]] | None = None,
        *,
        set_values: Mapping[str, str] | None = None,
        unset_keys: Iterable[str] | None = None,
        device_id: str | None = None,
        product: ProductId | None = None,
        org: str | None = None,
    ) -> EnvVarsState:
        """Set and unset several variables at once (`PATCH`, at most 50 operations).

        Endpoint: `PATCH /v1/env` (or
        `/v1/env/:deviceId`, or
        `/v1/products/:product/env`, or
        `/v1/orgs/:org/env`).

        Give raw `ops` (`{"op": "Set", "key": k, "value": v}` / `{"op": "Unset", "key": k}`),
        or `set_values={...}` and `unset_keys=[...]`, or both.
        """
        operations: builtins.list[dict[str, Any]] = [dict(op) for op in ops or ()]
        operations += [{"op": "Set", "key": k, "value": v} for k, v in (set_values or {}).items()]
        operations += [{"op": "Unset", "key": k} for k in unset_keys or ()]
        if not operations:
            raise ValueError("update() needs at least one operation")
        if len(operations) > MAX_OPS:
            raise ValueError(f"at most {MAX_OPS} operations per update, got {len(operations)}")
        body = await self._transport.request(
            "PATCH",
            _env_path(device_id, product, org),
            json_body={"ops": operations},
            idempotent=True,
        )
        return EnvVarsState.from_api(body)

    async def set(
        self,
        key: str,
        value: str,
        *,
        device_id: str | None = None,
        product: ProductId | None = None,
        org: str | None = None,
    ) -> EnvVarsState:
        """Create or change one variable (`PUT .../env/:key`).

        Endpoint: `PUT /v1/env/:key` (or
        `/v1/env/:deviceId/:key`, or
        `/v1/products/:product/env/:key`, or
        `/v1/orgs/:org/env/:key`).
        """
        body = await self._transport.request(
            "PUT",
            _env_path(device_id, product, org, key),
            json_body={"value": value},
            idempotent=True,
        )
        return EnvVarsState.from_api(body)

    async def delete(
        self,
        key: str,
        *,
        device_id: str | None = None,
        product: ProductId | None = None,
        org: str | None = None,
    ) -> EnvVarsState:
        """Remove one variable; returns the scope's variables after the change.

        Endpoint: `DELETE /v1/env/:key` (or
        `/v1/env/:deviceId/:key`, or
        `/v1/products/:product/env/:key`, or
        `/v1/orgs/:org/env/:key`).
        """
        body = await self._transport.request(
            "DELETE", _env_path(device_id, product, org, key), idempotent=True
        )
        return EnvVarsState.from_api(body)

    async def render(
        self,
        *,
        device_id: str | None = None,
        product: ProductId | None = None,
        org: str | None = None,
    ) -> RenderedEnvVars:
        """The flattened values (inherited plus own) a device in this scope gets.

        Endpoint: `GET /v1/env/render` (or
        `/v1/env/:deviceId/render`, or
        `/v1/products/:product/env/render`, or
        `/v1/orgs/:org/env/render`).
        """
        body = await self._transport.request("GET", _env_path(device_id, product, org) + "/render")
        return RenderedEnvVars.from_api(body)

    async def review_rollout(
        self,
        *,
        device_id: str | None = None,
        product: ProductId | None = None,
        org: str | None = None,
    ) -> EnvRollout:
        """What a rollout would change: added, changed and removed keys.

        Endpoint: `GET /v1/env/rollout` (or
        `/v1/env/:deviceId/rollout`, or
        `/v1/products/:product/env/rollout`, or
        `/v1/orgs/:org/env/rollout`).
        """
        body = await self._transport.request("GET", _env_path(device_id, product, org) + "/rollout")
        return EnvRollout.from_api(body)

    async def start_rollout(
        self,
        *,
        when: str = "Immediate",
        device_id: str | None = None,
        product: ProductId | None = None,
        org: str | None = None,
    ) -> bool:
        """Send `latest` to devices: `when="Immediate"` or `"Connect"` (on next connect).

        Endpoint: `POST /v1/env/rollout` (or
        `/v1/env/:deviceId/rollout`, or
        `/v1/products/:product/env/rollout`, or
        `/v1/orgs/:org/env/rollout`).
        """
        body = await self._transport.request(
            "POST", _env_path(device_id, product, org) + "/rollout", json_body={"when": when}
        )
        return bool((body or {}).get("success", True))
