"""A FastAPI backend that receives Particle webhooks and answers the device.

    WEBHOOK_SECRET=... uvicorn examples.webhook_backend.app:create_app --factory

Point a webhook integration at `POST /particle/webhook`, with the header
`X-Particle-Webhook-Secret: <WEBHOOK_SECRET>` in its `headers`. For each event:

- `receiver.dependency` checks it (secret, size cap, Particle's shape, replays) before
  the endpoint runs, and hands it to the app's consumer;
- the endpoint answers at once with a short text, which the cloud publishes back to the
  device as `hook-response/<event>/0`;
- the consumer task keeps a tally per device. It reads a hub `Consumer`, so the same
  function would consume `cloud.events.hub(...)` unchanged: webhooks and SSE are
  interchangeable sources.

`GET /stats` shows the tally and the receiver's counters (replays, refusals, 503s).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse

from particle_async import Event
from particle_async.streaming import Consumer
from particle_async.webhooks import WebhookReceiver

__all__ = ["create_app", "tally"]

SECRET_ENV = "WEBHOOK_SECRET"


async def tally(consumer: Consumer, counts: Counter[str]) -> None:
    """Count events per device until the consumer ends: hub-style code, source-blind."""
    async for event in consumer:
        counts[event.device_id or "?"] += 1


def create_app(secret: str | None = None, *, max_queue: int = 100) -> FastAPI:
    """The backend. `secret` defaults to $WEBHOOK_SECRET; there is no unauthenticated
    mode. `max_queue` bounds the consumer's backlog (beyond it: 503, and the cloud
    retries)."""
    secret = secret or os.environ.get(SECRET_ENV)
    if not secret:
        raise RuntimeError(f"no webhook secret: pass secret= or set {SECRET_ENV}")
    receiver = WebhookReceiver(secret=secret)
    counts: Counter[str] = Counter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        consumer = receiver.subscribe(max_queue=max_queue)
        async with anyio.create_task_group() as tg:
            tg.start_soon(tally, consumer, counts)
            yield
            receiver.close()  # the consumer drains and ends, and so does the task

    app = FastAPI(title="Particle webhook backend", lifespan=lifespan)
    app.state.receiver = receiver
    app.state.counts = counts

    @app.post("/particle/webhook")
    async def particle_webhook(
        event: Event = Depends(receiver.dependency),  # noqa: B008
    ) -> PlainTextResponse:
        """The body of this answer is what the device receives as `hook-response`."""
        return PlainTextResponse(f"ack {event.name}={event.data}")

    @app.get("/stats")
    async def stats(request: Request) -> dict[str, Any]:
        return {
            "devices": dict(request.app.state.counts),
            "receiver": {
                name: getattr(receiver.stats, name)
                for name in ("received", "delivered", "duplicates", "unauthorized", "overloaded")
            },
        }

    return app
