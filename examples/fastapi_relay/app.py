"""A FastAPI backend that relays one Particle event stream to many browsers as SSE.

    PARTICLE_ACCESS_TOKEN=... uvicorn examples.fastapi_relay.app:create_app --factory \\
        --timeout-graceful-shutdown 2

The app's lifespan owns one `Particle` client and one `EventHub`: a single upstream
subscription, however many browsers are connected. Each `GET /events?prefix=temp` gets
its own hub consumer (a bounded queue, drop-oldest: a slow browser only loses its own
stale events) relayed as `text/event-stream`, with a keep-alive comment after
`keepalive` seconds of silence. When the browser goes away, the response notices at once
(it listens for the ASGI disconnect, it does not wait for a failed write) and closes the
consumer, which frees its queue and removes it from the hub. When the server is asked to
stop (SIGINT, SIGTERM), every stream ends its response at once (see `lifecycle`).

`GET /` is a small page (`index.html`) that shows the live events through `EventSource`,
with the connection's status and counters. `cors_origins` lets pages served elsewhere
use `/events` and the function endpoint. `GET /healthz` answers 503 while the upstream
is not connected.

`POST /devices/{device_id}/functions/{name}` (JSON body `{"arg": "..."}`, optional) calls
a device function and answers `{"return_value": <int>}`, with SDK errors mapped to HTTP
statuses by `http_error`.
"""

from __future__ import annotations

import json
import logging
import os
import pathlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, nullcontext, suppress
from typing import Any, Literal

import anyio
from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.types import Receive, Scope, Send

from particle_async import (
    BadRequestError,
    DeviceOfflineError,
    Event,
    ForbiddenError,
    NotFoundError,
    Particle,
    ParticleError,
    RateLimitedError,
    RequestTimeoutError,
)
from particle_async.streaming import Consumer, EventHub, StreamState

from .lifecycle import Draining, Upstream, drain_on_exit_signals

__all__ = [
    "EventStreamResponse",
    "Relays",
    "cors_origins_from_env",
    "create_app",
    "http_error",
    "sse_frame",
]

log = logging.getLogger("fastapi_relay")

TOKEN_ENV = "PARTICLE_ACCESS_TOKEN"
BASE_URL_ENV = "PARTICLE_API_BASE_URL"
PREFIX_ENV = "RELAY_UPSTREAM_PREFIX"
CORS_ENV = "RELAY_CORS_ORIGINS"
PAGE = pathlib.Path(__file__).with_name("index.html")
KEEPALIVE_SECONDS = 15.0
MAX_QUEUE = 1000
RETRY_MS = 3000  # how long a browser's EventSource waits before reconnecting


# -- SSE framing -------------------------------------------------------------------------


FrameFormat = Literal["particle", "message"]
"""`particle`: `event: <name>` frames, as the cloud sends them (a browser listens with
`addEventListener(name, ...)`); `message`: unnamed frames whose JSON carries the name as
`event`, so one `onmessage` sees every event (what the page uses)."""


def sse_frame(event: Event, frame_format: FrameFormat = "particle") -> bytes:
    """One SSE frame in Particle's own shape, so browser code written for the cloud's
    stream works unchanged: `event: <name>` and the JSON envelope as `data:`. In the
    `message` format the name moves into the JSON (`"event"`) and the frame is unnamed."""
    envelope = dict(event.raw) if event.raw else {"data": event.data}
    if frame_format == "message":
        envelope = {"event": event.name, **envelope}
    data = json.dumps(envelope, separators=(",", ":"))  # JSON escapes newlines: one line
    if frame_format == "message":
        return f"data: {data}\n\n".encode()
    name = event.name.replace("\r", " ").replace("\n", " ")  # a name cannot break framing
    return f"event: {name}\ndata: {data}\n\n".encode()


class ConsumerFrames:
    """The bytes of one browser's stream: a preamble, then a frame per event, and a
    keep-alive comment whenever `keepalive` seconds pass without one. Ends when the hub
    ends the consumer. A class, not an async generator: no cancel scope is held across a
    `yield`, and there is nothing to finalise if the response is cancelled mid-way."""

    def __init__(
        self, consumer: Consumer, keepalive: float, frame_format: FrameFormat = "particle"
    ) -> None:
        self.consumer = consumer
        self.keepalive = keepalive
        self.frame_format = frame_format
        self._started = False

    def __aiter__(self) -> ConsumerFrames:
        return self

    async def __anext__(self) -> bytes:
        if not self._started:
            self._started = True
            return f"retry: {RETRY_MS}\n:ok\n\n".encode()
        event: Event | None = None
        with anyio.move_on_after(self.keepalive):
            try:
                event = await self.consumer.__anext__()
            except ParticleError as exc:  # the hub failed, or this consumer fell behind
                log.warning("ending a relay: %s", exc)
                raise StopAsyncIteration from None
        return b": keep-alive\n\n" if event is None else sse_frame(event, self.frame_format)


class Relays:
    """The browsers being served: a count, a way to wait for it to reach a value (used
    by `/healthz` and by tests; all on the server's event loop), and `draining`, set when
    the server is asked to stop."""

    def __init__(self, draining: Draining | None = None) -> None:
        self.active = 0
        self.draining = draining or Draining()
        self._waiters: list[anyio.Event] = []

    def opened(self) -> None:
        self.active += 1
        self._notify()

    def closed(self) -> None:
        self.active -= 1
        self._notify()

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.set()

    async def wait_for(self, count: int) -> None:
        while self.active != count:
            waiter = anyio.Event()
            self._waiters.append(waiter)
            await waiter.wait()


class EventStreamResponse(StreamingResponse):
    """A `StreamingResponse` of one hub consumer that always races the body against the
    client's disconnect and always closes the consumer when it ends, however it ends.

    Starlette only listens for the disconnect on servers speaking ASGI spec < 2.4; on
    newer ones it relies on a write failing, which on an idle stream can take until the
    next keep-alive. Here both are handled, on every server.
    """

    def __init__(
        self,
        consumer: Consumer,
        relays: Relays,
        *,
        keepalive: float,
        frame_format: FrameFormat = "particle",
    ) -> None:
        super().__init__(
            ConsumerFrames(consumer, keepalive, frame_format),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self.consumer = consumer
        self.relays = relays
        relays.opened()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as tg:

                async def watch_disconnect() -> None:
                    await self.listen_for_disconnect(receive)
                    tg.cancel_scope.cancel()

                async def watch_draining() -> None:
                    # Ending the consumer ends the body: the response completes normally
                    # instead of being cancelled by the server's shutdown timeout.
                    await self.relays.draining.wait()
                    await self.consumer.aclose()

                tg.start_soon(watch_disconnect)
                tg.start_soon(watch_draining)
                with suppress(OSError):  # the browser left mid-write (ASGI 2.4 servers)
                    await self.stream_response(send)
                tg.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await self.consumer.aclose()  # leaves the hub, frees the queue
            self.relays.closed()


# -- error mapping -------------------------------------------------------------------------


def http_error(exc: ParticleError) -> HTTPException:
    """The HTTP answer for an SDK error: the browser's fault (4xx), the device's (504),
    or the upstream's (502). Error text from the SDK never contains the token."""
    detail = getattr(exc, "error", None) or exc.message
    if isinstance(exc, DeviceOfflineError):
        return HTTPException(504, f"device unreachable: {detail}")
    if isinstance(exc, NotFoundError):
        return HTTPException(404, detail)
    if isinstance(exc, BadRequestError):
        return HTTPException(400, detail)
    if isinstance(exc, ForbiddenError):
        return HTTPException(403, detail)
    if isinstance(exc, RequestTimeoutError):
        return HTTPException(504, f"the device did not answer in time (it may have run): {detail}")
    if isinstance(exc, RateLimitedError):
        retry = exc.retry_after
        headers = {"Retry-After": str(max(1, round(retry)))} if retry is not None else None
        return HTTPException(429, "rate limited by the Particle cloud", headers=headers)
    # 401 (the relay's own token was refused), 5xx, network errors, undecodable answers:
    # none is the browser's doing.
    return HTTPException(502, f"upstream error: {type(exc).__name__}: {detail}")


class FunctionCall(BaseModel):
    arg: str = Field(default="", max_length=1024, description="the function's argument")


# -- the app -----------------------------------------------------------------------------


def cors_origins_from_env() -> list[str]:
    """$RELAY_CORS_ORIGINS as a list: comma-separated origins (`https://app.example`),
    or `*` for any."""
    return [o.strip() for o in os.environ.get(CORS_ENV, "").split(",") if o.strip()]


def create_app(
    token: str | None = None,
    base_url: str | None = None,
    *,
    upstream_prefix: str | None = None,
    keepalive: float = KEEPALIVE_SECONDS,
    max_queue: int = MAX_QUEUE,
    cors_origins: Sequence[str] | None = None,
    drain_on_signals: bool = True,
) -> FastAPI:
    """The relay app. `token` and `base_url` default to $PARTICLE_ACCESS_TOKEN and
    $PARTICLE_API_BASE_URL (else api.particle.io); `upstream_prefix` (default
    $RELAY_UPSTREAM_PREFIX, else every event of your devices) is what the one upstream
    subscription receives; browsers narrow it with `?prefix=`.

    `cors_origins` (default $RELAY_CORS_ORIGINS, else none) are the origins whose pages
    may read `/events` and call functions; `["*"]` allows any. `drain_on_signals` ends the
    open streams on SIGINT/SIGTERM so the server shuts down at once (see `lifecycle`)."""
    token = token or os.environ.get(TOKEN_ENV)
    if not token:
        raise RuntimeError(f"no Particle token: pass token= or set {TOKEN_ENV}")
    base_url = base_url or os.environ.get(BASE_URL_ENV) or None
    upstream = upstream_prefix if upstream_prefix is not None else os.environ.get(PREFIX_ENV, "")
    origins = list(cors_origins) if cors_origins is not None else cors_origins_from_env()
    page = PAGE.read_text(encoding="utf-8")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tracker = Upstream()
        relays = Relays()
        signals = drain_on_exit_signals(relays.draining) if drain_on_signals else nullcontext()
        # Connects before the server accepts requests: a bad token fails startup loudly.
        with signals:
            async with (
                Particle(token=token, base_url=base_url) as cloud,
                cloud.events.hub(upstream, on_status=tracker.update) as hub,
            ):
                app.state.cloud = cloud
                app.state.hub = hub
                app.state.upstream = tracker
                app.state.relays = relays
                yield

    app = FastAPI(title="Particle event relay", lifespan=lifespan)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Last-Event-ID"],
        )

    @app.get("/", response_class=HTMLResponse)
    async def index() -> HTMLResponse:
        """The live page: events as they arrive, the connection's status, counters."""
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    @app.get("/events")
    async def events(
        request: Request, prefix: str = "", format: FrameFormat = "particle"
    ) -> EventStreamResponse:
        """Server-Sent Events of every event whose name starts with `prefix`."""
        hub: EventHub = request.app.state.hub
        relays: Relays = request.app.state.relays
        if not (prefix.startswith(upstream) or upstream.startswith(prefix)):
            raise HTTPException(400, f"this relay only carries events starting {upstream!r}")
        if hub.state in (StreamState.IDLE, StreamState.FAILED, StreamState.CLOSED):
            raise HTTPException(503, "the upstream event stream has ended")
        if relays.draining.is_set:
            raise HTTPException(503, "the relay is shutting down")
        # Subscribed before the response starts: nothing published after the browser
        # sees the 200 can slip past.
        consumer = hub.subscribe(prefix, max_queue=max_queue, overflow="drop_oldest")
        return EventStreamResponse(consumer, relays, keepalive=keepalive, frame_format=format)

    @app.post("/devices/{device_id}/functions/{name}")
    async def call_function(
        device_id: str, name: str, request: Request, call: FunctionCall | None = None
    ) -> dict[str, int]:
        """Call a device function; `{"return_value": <int>}`."""
        cloud: Particle = request.app.state.cloud
        try:
            value = await cloud.devices.call_function(device_id, name, (call or FunctionCall()).arg)
        except ParticleError as exc:
            raise http_error(exc) from exc
        return {"return_value": value}

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        """The upstream's state and counters, and how many browsers are connected: 200
        while the upstream is connected, 503 while it is not (or the relay is stopping)."""
        hub: EventHub = request.app.state.hub
        tracker: Upstream = request.app.state.upstream
        relays: Relays = request.app.state.relays
        body: dict[str, Any] = {
            "upstream": tracker.state.value,
            "reconnects": tracker.reconnects,
            "events_in": hub.events_in,
            "browsers": relays.active,
            "consumers": len(hub.consumers),
            "draining": relays.draining.is_set,
        }
        healthy = tracker.connected and not relays.draining.is_set
        return JSONResponse(body, status_code=200 if healthy else 503)

    return app
