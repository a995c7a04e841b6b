"""`cloud.events`: publish events; subscribe to streams of them (see `particle_async.streaming`)."""

from __future__ import annotations

from .._transport import DEFAULT, TimeoutTypes
from ._base import ProductId, Resource, drop_none, scoped

__all__ = ["Events"]


class Events(Resource):
    """Publishing (here) and subscribing (`subscribe`, `hub`, added by the streaming layer)."""

    async def publish(
        self,
        name: str,
        data: str | None = None,
        *,
        private: bool = True,
        ttl: int | None = None,
        product: ProductId | None = None,
        timeout: TimeoutTypes = DEFAULT,
    ) -> bool:
        """Publish an event as the API user (`coreid` "api"); with `product=`, to a product.

        Never re-sent once it may have reached the cloud: subscribers would see it twice.
        """
        body = drop_none({"name": name, "data": data, "private": private, "ttl": ttl})
        answer = await self._transport.request(
            "POST",
            scoped(product, "devices/events"),
            json_body=body,
            idempotent=False,
            timeout=timeout,
        )
        return bool((answer or {}).get("ok", True))
