"""A webhook request body → the `Event` a stream yields for the same event.

Particle sends the default fields (`event`, `data`, `published_at`, `coreid`) form-encoded,
or, with a JSON template, as a JSON object; a template may also name the event `name` (as
the stream's envelope does) and add `ttl`, `public`, `productID` and `version`. Whatever
the shape, the fields become the stream's envelope and go through the stream's own
converter, so a handler written for `cloud.events.subscribe(...)` serves webhooks
unchanged: one wire→model mapping, whatever the path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from .._errors import ParticleError
from ..models._base import parse_datetime
from ..models.events import Event
from ..streaming._convert import to_event

__all__ = ["WebhookRejected", "parse_webhook"]

FORM = "application/x-www-form-urlencoded"
MAX_NAME = 256  # longer than any event name the cloud accepts (64), shorter than abuse
OPTIONAL = ("ttl", "public", "productID", "version")


class WebhookRejected(ParticleError):
    """A webhook request that is not delivered: `status` is the HTTP answer it gets,
    `reason` the name of the receiver counter it increments."""

    def __init__(
        self, status: int, reason: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.headers = dict(headers or {})


def _bad(message: str) -> WebhookRejected:
    return WebhookRejected(400, "bad_request", message)


def _unprocessable(message: str) -> WebhookRejected:
    return WebhookRejected(422, "unprocessable", message)


def to_webhook_event(name: str, envelope: Mapping[str, Any]) -> Event:
    """The one conversion: the same function streams use, fed the envelope they get."""
    return to_event(name, json.dumps(dict(envelope), separators=(",", ":")))


def parse_webhook(body: bytes, content_type: str | None) -> Event:
    """The event in a webhook body; `WebhookRejected` (400, 415 or 422) when there is none."""
    fields = _fields(body, (content_type or "").split(";")[0].strip().lower())
    name = fields.get("event", fields.get("name"))
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise _unprocessable("no event name: `event` must be a non-empty string")
    coreid = fields.get("coreid")
    if not isinstance(coreid, str) or not coreid:
        raise _unprocessable("no `coreid`: not a Particle webhook body")
    published_at = fields.get("published_at")
    if not isinstance(published_at, str) or parse_datetime(published_at) is None:
        raise _unprocessable("`published_at` must be an ISO 8601 timestamp")
    envelope: dict[str, Any] = {
        "data": _data(fields.get("data")),
        "published_at": published_at,
        "coreid": coreid,
    }
    envelope.update({key: fields[key] for key in OPTIONAL if key in fields})
    return to_webhook_event(name, envelope)


def _fields(body: bytes, kind: str) -> Mapping[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("the body is not UTF-8") from None
    if kind == "application/json" or kind.endswith("+json") or (not kind and text[:1] == "{"):
        try:
            value = json.loads(text)
        except ValueError:
            raise _bad("the body is not valid JSON") from None
        if not isinstance(value, dict):
            raise _unprocessable("the JSON body must be an object")
        return value
    if kind in (FORM, ""):
        pairs = parse_qsl(text, keep_blank_values=True)
        if not pairs and text.strip():
            raise _bad("the body is not form-encoded")
        return dict(reversed(pairs))  # the first of repeated fields wins
    raise WebhookRejected(415, "unsupported", f"content type {kind!r} is not JSON or a form")


def _data(value: Any) -> str | None:
    """The published text; a template that put parsed JSON there gets it back as text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))
