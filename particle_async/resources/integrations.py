"""`cloud.integrations`: webhooks and other integrations, for your account or a product.

Two families of routes exist: the legacy `/v1/webhooks` (webhooks only) and
`/v1/integrations` (every type: Webhook, AzureIotHub, GoogleCloudPubSub, GoogleMaps, ...).
Both take `product=` (id or slug) for a product's integrations.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from ..models.integrations import Integration, IntegrationTestResult, Webhook
from ._base import ProductId, Resource, drop_none, items, ok, scoped, unwrap

__all__ = ["Integrations"]


class Integrations(Resource):
    """Create, list, inspect, edit, test and delete webhooks and integrations."""

    # Legacy webhook routes -------------------------------------------------------------

    async def create_webhook(
        self,
        event: str,
        url: str,
        *,
        request_type: str = "POST",
        device_id: str | None = None,
        reject_unauthorized: bool | None = None,
        no_defaults: bool | None = None,
        auth: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        body: str | None = None,
        response_template: str | None = None,
        response_topic: str | None = None,
        error_response_topic: str | None = None,
        product: ProductId | None = None,
    ) -> Webhook:
        """Create a webhook on the legacy route (`POST /v1/webhooks`).

        `auth` is the basic auth the webhook sends (`{"username": ..., "password": ...}`);
        `json`, `form`, `body`, `query` and `headers` shape the request it makes.
        """
        payload = drop_none(
            {
                "event": event,
                "url": url,
                "requestType": request_type,
                "deviceId": device_id,
                "rejectUnauthorized": reject_unauthorized,
                "noDefaults": no_defaults,
                "auth": auth,
                "headers": headers,
                "query": query,
                "json": json,
                "form": form,
                "body": body,
                "responseTemplate": response_template,
                "responseTopic": response_topic,
                "errorResponseTopic": error_response_topic,
            }
        )
        answer = await self._transport.request(
            "POST", scoped(product, "webhooks"), json_body=payload
        )
        return Webhook.from_api(answer)

    async def list_webhooks(self, *, product: ProductId | None = None) -> builtins.list[Webhook]:
        """Your (or the product's) webhooks: integrations of type Webhook only.

        Endpoint: `GET /v1/webhooks` (or `/v1/products/:product/webhooks`).
        """
        answer = await self._transport.request("GET", scoped(product, "webhooks"))
        return Webhook.list_from_api(items(answer, "webhooks"))

    async def delete_webhook(self, hook_id: str, *, product: ProductId | None = None) -> bool:
        """Delete a webhook (`DELETE /v1/webhooks/:id`).

        Endpoint: `DELETE /v1/webhooks/:hookId` (or `/v1/products/:product/webhooks/:hookId`).
        """
        answer = await self._transport.request(
            "DELETE", scoped(product, "webhooks/{}", hook_id), idempotent=True
        )
        return ok(answer)

    # Integrations ------------------------------------------------------------------------

    async def create(
        self,
        event: str,
        *,
        integration_type: str = "Webhook",
        device_id: str | None = None,
        settings: Mapping[str, Any] | None = None,
        product: ProductId | None = None,
        **fields: Any,
    ) -> Integration:
        """Create an integration (`POST /v1/integrations`) triggered by events named `event`.

        The type's settings (`url`, `requestType`, `hub_name`, `topic`, ...) go in
        `settings` or as keyword arguments; they are merged into the body as given.
        """
        payload = _integration_body(event, device_id, integration_type, settings, fields)
        answer = await self._transport.request(
            "POST", scoped(product, "integrations"), json_body=payload
        )
        return Integration.from_api(unwrap(answer, "integration"))

    async def edit(
        self,
        integration_id: str,
        *,
        event: str | None = None,
        integration_type: str | None = None,
        device_id: str | None = None,
        settings: Mapping[str, Any] | None = None,
        product: ProductId | None = None,
        **fields: Any,
    ) -> Integration:
        """Replace an integration's configuration (`PUT`): the API does not merge changes.

        Endpoint: `PUT /v1/integrations/:integrationId` (or
        `/v1/products/:product/integrations/:integrationId`).
        """
        payload = _integration_body(event, device_id, integration_type, settings, fields)
        answer = await self._transport.request(
            "PUT",
            scoped(product, "integrations/{}", integration_id),
            json_body=payload,
            idempotent=True,
        )
        return Integration.from_api(unwrap(answer, "integration"))

    async def get(self, integration_id: str, *, product: ProductId | None = None) -> Integration:
        """One integration, with the logs of its last 10 requests (`logs`).

        Endpoint: `GET /v1/integrations/:integrationId` (or
        `/v1/products/:product/integrations/:integrationId`).
        """
        answer = await self._transport.request(
            "GET", scoped(product, "integrations/{}", integration_id)
        )
        return Integration.from_api(unwrap(answer, "integration"))

    async def list(self, *, product: ProductId | None = None) -> builtins.list[Integration]:
        """Every integration of every type (check `integration_type`).

        Endpoint: `GET /v1/integrations` (or `/v1/products/:product/integrations`).
        """
        answer = await self._transport.request("GET", scoped(product, "integrations"))
        return Integration.list_from_api(items(answer, "integrations"))

    async def delete(self, integration_id: str, *, product: ProductId | None = None) -> bool:
        """Delete an integration (`204 No Content`).

        Endpoint: `DELETE /v1/integrations/:integrationId` (or
        `/v1/products/:product/integrations/:integrationId`).
        """
        answer = await self._transport.request(
            "DELETE", scoped(product, "integrations/{}", integration_id), idempotent=True
        )
        return ok(answer)

    async def test(
        self,
        integration_id: str,
        *,
        data: str | None = None,
        device_id: str | None = None,
        product: ProductId | None = None,
    ) -> IntegrationTestResult:
        """Fire a test event at an integration and report whether its target accepted it.

        Endpoint: `POST /v1/integrations/:integrationId/test` (or
        `/v1/products/:product/integrations/:integrationId/test`).

        Never re-sent blindly: the target would receive the test twice.
        """
        answer = await self._transport.request(
            "POST",
            scoped(product, "integrations/{}/test", integration_id),
            json_body=drop_none({"data": data, "device_id": device_id}),
        )
        return IntegrationTestResult.from_api(answer)


def _integration_body(
    event: str | None,
    device_id: str | None,
    integration_type: str | None,
    settings: Mapping[str, Any] | None,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    """`{event, deviceid, integration_type, ...settings}` as the JS SDK builds it."""
    return drop_none(
        {
            "event": event,
            "deviceid": device_id,
            "integration_type": integration_type,
            **(settings or {}),
            **fields,
        }
    )
