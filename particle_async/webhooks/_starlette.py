"""The FastAPI dependency, in its own module because FastAPI reads the parameter's type
(`Request`) at run time: importing this module needs starlette (the `webhooks` extra),
importing `particle_async.webhooks` does not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..models.events import Event
from ._parse import WebhookRejected

if TYPE_CHECKING:
    from ._receiver import WebhookReceiver

__all__ = ["dependency"]


def dependency(receiver: WebhookReceiver) -> Callable[[Request], Awaitable[Event]]:
    async def particle_webhook(request: Request) -> Event:
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            delivery = await receiver.accept(request.method, headers, request.stream())
        except WebhookRejected as exc:
            raise HTTPException(exc.status, exc.message, headers=exc.headers or None) from None
        if delivery.duplicate:
            # Answered here: the endpoint never sees a replay. 200, so the cloud stops.
            raise HTTPException(200, "duplicate delivery: already received")
        receiver.deliver(delivery.event)
        return delivery.event

    return particle_webhook
