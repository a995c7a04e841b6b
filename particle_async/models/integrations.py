"""Models of webhooks and integrations (Webhook, Azure IoT Hub, Google Cloud Pub/Sub, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_str, as_tuple, parse_datetime, wire

__all__ = ["Integration", "IntegrationTestResult", "Webhook"]


def _device_id(value: Any) -> str | None:
    return as_str(value) or None


@attrs.frozen(kw_only=True)
class Webhook(Model):
    """A webhook from the legacy `/v1/webhooks` routes (a create answer adds `ok`, `hookUrl`).

    Attributes:
        id: the webhook's id.
        event: the event-name prefix that triggers it.
        url: the target URL.
        request_type: the HTTP method it sends (wire key `requestType`).
        device_id: only events from this device trigger it (wire key `deviceID`).
        name: a friendly name.
        disabled: the webhook is turned off.
        created_at: when it was created.
        hook_url: the webhook's own API path, in a create answer (wire key `hookUrl`).
        ok: the create succeeded, in a create answer.
    """

    id: str = wire(convert=str, default="")
    event: str | None = wire(convert=as_str)
    url: str | None = wire(convert=as_str)
    request_type: str | None = wire("requestType", convert=as_str)
    device_id: str | None = wire("deviceID", convert=_device_id)
    name: str | None = wire(convert=as_str)
    disabled: bool = wire(convert=as_bool, default=False)
    created_at: datetime | None = wire(convert=parse_datetime)
    hook_url: str | None = wire("hookUrl", convert=as_str)
    ok: bool = wire(convert=as_bool, default=True)


@attrs.frozen(kw_only=True)
class Integration(Model):
    """An integration of any type; check `integration_type`, the rest of its settings are in `raw`.

    Attributes:
        id: the integration's id.
        event: the event-name prefix that triggers it.
        integration_type: `Webhook`, `AzureIotHub`, `GoogleCloudPubSub`, `GoogleMaps`, ...
        url: the target URL (webhooks).
        request_type: the HTTP method a webhook sends (wire key `requestType`).
        device_id: only events from this device trigger it (wire key `deviceID`).
        name: a friendly name.
        disabled: the integration is turned off (after too many errors, or by you).
        created_at: when it was created.
        logs: the last requests it made and their answers (`get` only).
    """

    id: str = wire(convert=str, default="")
    event: str | None = wire(convert=as_str)
    integration_type: str | None = wire(convert=as_str)
    url: str | None = wire(convert=as_str)
    request_type: str | None = wire("requestType", convert=as_str)
    device_id: str | None = wire("deviceID", convert=_device_id)
    name: str | None = wire(convert=as_str)
    disabled: bool = wire(convert=as_bool, default=False)
    created_at: datetime | None = wire(convert=parse_datetime)
    logs: tuple[Mapping[str, Any], ...] = wire(convert=as_tuple, factory=tuple, repr=False)
    """The last request/response pairs the cloud sent for it (only on `get`)."""

    @property
    def is_webhook(self) -> bool:
        """Whether this is a plain webhook (also when the API omits the type)."""
        return (self.integration_type or "Webhook") == "Webhook"


@attrs.frozen(kw_only=True)
class IntegrationTestResult(Model):
    """What happened when the cloud fired a test event at an integration.

    Attributes:
        passed: the target accepted the test request (wire key `pass`).
        data: the target's answer.
        error: what went wrong, when it failed.
    """

    passed: bool = wire("pass", convert=as_bool, default=False)
    data: Any = wire()
    error: Any = wire()
