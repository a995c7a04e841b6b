"""`WebhookReceiver`: the backend end of a Particle webhook, as an ASGI app.

A request passes, in order: the method (405), the shared secret (401, checked before any
of the body is read), the size cap (413, from `Content-Length` or while reading), the
body's shape (415, 400, 422), the replay window (200, not delivered again), and the
consumers' room (503). Only then is the event offered to every consumer whose prefix
matches, and the answer sent: `reply(event)` if given, which Particle publishes back to
the device as `hook-response/<event>/<n>`. Every outcome has a counter in `stats`.

Consumers are the hub's own `Consumer`: `receiver.subscribe(prefix)` is
`hub.subscribe(prefix)`, so code written against `cloud.events.hub(...)` consumes
webhooks unchanged. A receiver never lets a queue overflow: when a matching consumer is
full it answers 503 (the cloud retries after 30 s and 1 min), so a slow consumer costs
latency, never memory and never a silently dropped event.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import inspect
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from attrs import define

from ..models.events import Event
from ..streaming import Consumer, Overflow
from ._parse import WebhookRejected, parse_webhook

if TYPE_CHECKING:
    from starlette.routing import Route

    from ..streaming import EventHub

__all__ = ["Delivery", "ReceiverStats", "Reply", "WebhookReceiver"]

log = logging.getLogger("particle_async.webhooks")

Reply = Callable[[Event], Any]  # returns str | bytes | JSON-able | None, or awaits one
Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

DEFAULT_SECRET_HEADER = "X-Particle-Webhook-Secret"
RETRY_AFTER = "30"  # seconds: when Particle's first retry comes anyway


@define
class ReceiverStats:
    received: int = 0  # requests
    delivered: int = 0  # events handed to consumers (or to a dependency's endpoint)
    duplicates: int = 0  # replays inside the window: answered 200, not delivered
    unrouted: int = 0  # accepted with no consumer subscribed to the event's name
    method_not_allowed: int = 0  # 405
    unauthorized: int = 0  # 401
    too_large: int = 0  # 413
    unsupported: int = 0  # 415
    bad_request: int = 0  # 400
    unprocessable: int = 0  # 422
    overloaded: int = 0  # 503: a consumer's queue was full
    reply_failed: int = 0  # 500: `reply` raised


@define(frozen=True)
class Delivery:
    """An accepted request: the event, or a replay of one already delivered."""

    event: Event
    duplicate: bool = False


class _ReplayWindow:
    """Keys seen in the last `window` seconds (at most `size` of them)."""

    def __init__(self, window: float, size: int, clock: Callable[[], float]) -> None:
        self.window = window
        self.size = size
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def _prune(self, now: float) -> None:
        while self._seen and (
            next(iter(self._seen.values())) <= now - self.window or len(self._seen) > self.size
        ):
            self._seen.popitem(last=False)

    def seen(self, key: str) -> bool:
        self._prune(self.clock())
        return key in self._seen

    def remember(self, key: str) -> None:
        now = self.clock()
        self._seen.pop(key, None)
        self._seen[key] = now
        self._prune(now)


def replay_key(event: Event) -> str:
    """A retried delivery repeats the event exactly: the same name, data, device and
    publication time (to the millisecond). Distinct events never share all four."""
    published = event.published_at.isoformat() if event.published_at else ""
    parts = (event.name, event.data or "", event.device_id or "", published)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


class WebhookReceiver:
    """Receive Particle webhooks: mount it as an ASGI app, a starlette route
    (`receiver.route("/particle")`), or a FastAPI dependency (`receiver.dependency`).

    `secret`: required in the `secret_header` header, as a bearer token, or as the basic
    auth password (the webhook's `auth` setting; `basic_username` also checks the user).
    None accepts every request: only behind something else that authenticates.
    """

    def __init__(
        self,
        *,
        secret: str | None = None,
        secret_header: str = DEFAULT_SECRET_HEADER,
        basic_username: str | None = None,
        reply: Reply | None = None,
        max_body: int = 64 * 1024,
        replay_window: float = 600.0,
        replay_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_body < 1:
            raise ValueError("max_body must be at least 1")
        self.secret_header = secret_header.lower()
        self.basic_username = basic_username
        self.reply = reply
        self.max_body = max_body
        self.stats = ReceiverStats()
        self._secret = None if secret is None else secret.encode()
        self._replays = _ReplayWindow(replay_window, replay_size, clock)
        self._consumers: list[Consumer] = []
        self._closed = False

    def __repr__(self) -> str:
        return f"<WebhookReceiver consumers={len(self._consumers)} {self.stats}>"

    # -- the hub's consumer interface ---------------------------------------------------

    @property
    def consumers(self) -> tuple[Consumer, ...]:
        return tuple(self._consumers)

    def subscribe(
        self,
        prefix: str = "",
        *,
        max_queue: int = 1000,
        overflow: Overflow | str = Overflow.DROP_OLDEST,
    ) -> Consumer:
        """A consumer of the webhooks whose event name starts with `prefix`: an async
        iterator of `Event`, exactly as `EventHub.subscribe` returns. (Its `overflow`
        policy never fires here: a full queue makes the receiver answer 503.)"""
        # `Consumer` only calls back `remove`, which a receiver has, like a hub.
        consumer = Consumer(cast("EventHub", self), prefix, max_queue, overflow)
        if self._closed:
            consumer._end()
        else:
            self._consumers.append(consumer)
        return consumer

    def remove(self, consumer: Consumer) -> None:
        if consumer in self._consumers:
            self._consumers.remove(consumer)

    def close(self) -> None:
        """End every consumer (each drains its queue, then stops); refuse new events."""
        self._closed = True
        for consumer in self._consumers:
            consumer._end()
        self._consumers.clear()

    # -- admission ----------------------------------------------------------------------

    async def accept(
        self, method: str, headers: Mapping[str, str], chunks: AsyncIterable[bytes]
    ) -> Delivery:
        """Run every check on one request (header names lower-case) and, unless it is a
        replay, offer the event to the consumers. Raises `WebhookRejected`."""
        self.stats.received += 1
        try:
            event = await self._admit(method, headers, chunks)
            if self._replays.seen(replay_key(event)):
                self.stats.duplicates += 1
                return Delivery(event, duplicate=True)
            self._check_room(event)
        except WebhookRejected as exc:
            setattr(self.stats, exc.reason, getattr(self.stats, exc.reason) + 1)
            raise
        return Delivery(event)

    def deliver(self, event: Event) -> None:
        """Hand an admitted event over: to every matching consumer, then remember it."""
        targets = self._targets(event)
        if not targets:
            self.stats.unrouted += 1
        for consumer in targets:
            consumer.offer(event)
        self._replays.remember(replay_key(event))
        self.stats.delivered += 1

    async def _admit(
        self, method: str, headers: Mapping[str, str], chunks: AsyncIterable[bytes]
    ) -> Event:
        if method.upper() not in ("POST", "PUT"):
            raise WebhookRejected(405, "method_not_allowed", "use POST", {"Allow": "POST, PUT"})
        if not self._authorized(headers):
            raise WebhookRejected(401, "unauthorized", "missing or wrong webhook secret")
        body = await self._read(headers, chunks)
        return parse_webhook(body, headers.get("content-type"))

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        """Constant-time comparisons, every configured way checked whatever matched."""
        expected = self._secret
        if expected is None:
            return True
        offered = [headers.get(self.secret_header)]
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            offered.append(credentials.strip())
        elif scheme.lower() == "basic":
            offered.append(self._basic_password(credentials.strip()))
        results = [_same(value, expected) for value in offered]
        return any(results)

    def _basic_password(self, credentials: str) -> str | None:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        wanted = self.basic_username
        user_ok = wanted is None or _same(user, wanted.encode())
        return password if sep and user_ok else None

    async def _read(self, headers: Mapping[str, str], chunks: AsyncIterable[bytes]) -> bytes:
        """The body, never more than `max_body` bytes of it held."""
        declared = headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_body:
            raise _too_large(self.max_body)
        body = bytearray()
        async for chunk in chunks:
            body += chunk
            if len(body) > self.max_body:
                raise _too_large(self.max_body)
        return bytes(body)

    def _targets(self, event: Event) -> list[Consumer]:
        return [c for c in self._consumers if event.name.startswith(c.prefix)]

    def _check_room(self, event: Event) -> None:
        if self._closed:
            raise WebhookRejected(503, "overloaded", "the receiver is closed")
        if any(c.queued >= c.max_queue for c in self._targets(event)):
            raise WebhookRejected(
                503, "overloaded", "a consumer is behind: retry later", {"Retry-After": RETRY_AFTER}
            )

    # -- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = _headers(scope)
        try:
            delivery = await self.accept(scope["method"], headers, _Body(receive))
        except WebhookRejected as exc:
            await _respond(send, exc.status, _error_body(exc), "application/json", exc.headers)
            return
        if delivery.duplicate:
            await _respond(send, 200, b'{"ok":true,"duplicate":true}', "application/json")
            return
        await self._answer(delivery.event, send)

    async def _answer(self, event: Event, send: Send) -> None:
        try:
            payload, content_type = await self._reply(event)
            self._check_room(event)  # `reply` may have awaited: is there still room?
        except WebhookRejected as exc:
            self.stats.overloaded += 1
            await _respond(send, exc.status, _error_body(exc), "application/json", exc.headers)
            return
        except Exception:
            self.stats.reply_failed += 1
            log.exception("webhook reply for %r failed", event.name)
            await _respond(send, 500, b'{"ok":false,"error":"reply failed"}', "application/json")
            return
        self.deliver(event)
        await _respond(send, 200, payload, content_type)

    async def _reply(self, event: Event) -> tuple[bytes, str]:
        value = self.reply(event) if self.reply is not None else {"ok": True}
        if inspect.isawaitable(value):
            value = await value
        if isinstance(value, bytes):
            return value, "application/octet-stream"
        if isinstance(value, str):
            return value.encode(), "text/plain; charset=utf-8"
        if value is None:
            return b"", "text/plain; charset=utf-8"
        return json.dumps(value, separators=(",", ":")).encode(), "application/json"

    # -- starlette / FastAPI ------------------------------------------------------------

    def route(self, path: str) -> Route:
        """A starlette `Route` for `path` (POST and PUT). Needs the `webhooks` extra."""
        from starlette.routing import Route

        return Route(path, self, methods=["POST", "PUT"])

    @property
    def dependency(self) -> Callable[..., Awaitable[Event]]:
        """A FastAPI dependency: `event: Event = Depends(receiver.dependency)`. The
        endpoint runs only for a new, valid, authorised event (already offered to the
        consumers); its return value is the answer the device gets back. Rejections
        become `HTTPException`s with the statuses above; a replay is answered 200 before
        the endpoint runs."""
        from ._starlette import dependency

        return dependency(self)


def _same(offered: str | None, expected: bytes) -> bool:
    if offered is None:
        return False
    return hmac.compare_digest(offered.encode("utf-8", "surrogateescape"), expected)


def _too_large(limit: int) -> WebhookRejected:
    return WebhookRejected(413, "too_large", f"the body is over {limit} bytes")


def _error_body(exc: WebhookRejected) -> bytes:
    return json.dumps({"ok": False, "error": exc.message}, separators=(",", ":")).encode()


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


class _Body:
    """The request body as ASGI delivers it, chunk by chunk. A class, not an async
    generator, so stopping early (413) leaves nothing to finalise."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._done = False

    def __aiter__(self) -> _Body:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        message = await self._receive()
        if message["type"] == "http.disconnect":
            self._done = True
            raise StopAsyncIteration
        self._done = not message.get("more_body", False)
        return bytes(message.get("body", b""))


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    """Served on its own (uvicorn ... particle_async.webhooks:app), nothing to set up."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
