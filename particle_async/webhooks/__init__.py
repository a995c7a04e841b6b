"""Receiving Particle webhooks: the other way events reach a backend.

    from particle_async.webhooks import WebhookReceiver

    receiver = WebhookReceiver(secret=os.environ["WEBHOOK_SECRET"], reply=lambda e: "ok")
    app.add_route("/particle", receiver, methods=["POST"])   # FastAPI / starlette
    async for event in receiver.subscribe("temp"):          # the hub's Consumer
        ...

A webhook request becomes the same `Event` a stream yields (`parse_webhook`), so one
handler serves `cloud.events.subscribe(...)`, `cloud.events.hub(...)` and webhooks. The
core needs no web framework: the receiver is a plain ASGI app; `receiver.route(...)` and
`receiver.dependency` import starlette only when called (the `webhooks` extra).
"""

from ._parse import WebhookRejected, parse_webhook, to_webhook_event
from ._receiver import Delivery, ReceiverStats, Reply, WebhookReceiver, replay_key

__all__ = [
    "Delivery",
    "ReceiverStats",
    "Reply",
    "WebhookReceiver",
    "WebhookRejected",
    "parse_webhook",
    "replay_key",
    "to_webhook_event",
]
