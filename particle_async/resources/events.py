"""`cloud.events`: publish events, subscribe to streams of them, fan a stream out."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from .._transport import Transport
from ..streaming import (
    EventHub,
    EventStream,
    StreamOptions,
    StreamStatus,
    stream_path,
)
from ..streaming._gate import OpenGate
from ..streaming._pools import STREAMS_PER_POOL, PoolPlaces
from ._base import ProductId, Resource, drop_none, ok, path

if TYPE_CHECKING:
    from ..distributed import EventBridge

__all__ = ["STREAMS_PER_POOL", "Events"]


class Events(Resource):
    """Publishing, subscriptions (`subscribe`) and fan-out (`hub`)."""

    def __init__(
        self,
        transport: Transport,
        stream_http: Callable[[int], httpx.AsyncClient],
        gate: OpenGate | None = None,
        places: PoolPlaces | None = None,
    ):
        super().__init__(transport)
        self._stream_http = stream_http
        self._gate = gate or OpenGate()  # the client's: so many of its streams connect at once
        self._places = places or PoolPlaces()  # the client's: which pool a stream joins

    async def publish(
        self,
        name: str,
        data: str | None = None,
        *,
        private: bool = True,
        ttl: int | None = None,
        product: ProductId | None = None,
    ) -> bool:
        """Publish an event as the API user (`coreid` "api"); with `product=`, to a product.

        Endpoint: `POST /v1/devices/events` (or `/v1/products/:product/events`).

        Never re-sent once it may have reached the cloud: subscribers would see it twice.
        Returns True when the cloud accepted it.
        """
        body = drop_none({"name": name, "data": data, "private": private, "ttl": ttl})
        answer = await self._transport.request(
            "POST",
            "/v1/devices/events" if product is None else path("/v1/products/{}/events", product),
            json_body=body,
            idempotent=False,
        )
        return ok(answer)

    def subscribe(
        self,
        prefix: str = "",
        *,
        device: str | None = None,
        product: ProductId | None = None,
        org: str | None = None,
        public: bool = False,
        on_status: Callable[[StreamStatus], None] | None = None,
        options: StreamOptions | None = None,
        **option_fields: Any,
    ) -> EventStream:
        """A reconnecting stream of events whose name starts with `prefix`.

        Endpoints (`GET`, answered as `text/event-stream`), by scope:

        - your devices (the default): `/v1/devices/events/:name`
        - `device=`: `/v1/devices/:deviceId/events/:name`
        - `product=`: `/v1/products/:product/events/:name`, and with `device=`
          `/v1/products/:product/devices/:deviceId/events/:name`
        - `org=`: `/v1/orgs/:org/events/:name` (with `device=` or `product=`:
          `/v1/orgs/:org/devices/:deviceId/events/:name`,
          `/v1/orgs/:org/products/:product/events/:name`)
        - `public=True`, the public firehose: `GET /v1/events/:name`

        Raises (at connect, from `async with` or the first read): `UnauthorizedError`,
        `ForbiddenError` or `NotFoundError`, which end the stream; other failures reconnect. Use `async with ... as stream` (connects at
        once, so a bad token raises there) or plain `async for`, then `aclose()`.
        Options (`idle_timeout=`, `backoff=`, `malformed=`, ...) are `StreamOptions` fields.
        """
        if option_fields:
            options = attrs.evolve(options or StreamOptions(), **option_fields)
        pool = self._places.take()
        return EventStream(
            transport=self._transport,
            http=functools.partial(self._stream_http, pool),
            path=stream_path(prefix, device=device, product=product, org=org, public=public),
            prefix=prefix,
            options=options,
            on_status=on_status,
            gate=self._gate,
            on_done=functools.partial(self._places.give_back, pool),
        )

    def hub(self, prefix: str = "", **subscribe_args: Any) -> EventHub:
        """One upstream subscription fanned out to many consumers: `hub.subscribe(prefix)`."""
        return EventHub(lambda: self.subscribe(prefix, **subscribe_args))

    def bridge(
        self, redis: Any, name: str, prefix: str = "", *, subscribe: Any = None, **options: Any
    ) -> EventBridge:
        """One upstream for a fleet, on Redis (the `[redis]` extra): see `EventBridge`.

        Every worker calls this with the same `name`; one leader subscribes to `prefix`
        (with `subscribe=` a dict of `subscribe()` arguments) and feeds a Redis Stream
        that each worker reads with `bridge.consume(group, worker_name)`.
        """
        from ..distributed import EventBridge

        args = dict(subscribe or {})
        return EventBridge(
            redis,
            name=name,
            stream_factory=lambda on_status: self.subscribe(prefix, on_status=on_status, **args),
            **options,
        )
