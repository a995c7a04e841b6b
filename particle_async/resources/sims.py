"""`cloud.sims`: SIM cards of your account or a product: list, inspect, activate or
deactivate, import, release, data usage, and the cellular-network status check."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Literal

import httpx

from .._paging import Page, Pager, page_from_body
from ..models.sims import FleetDataUsage, Sim, SimDataUsage, SimRelease, SimStatus
from ._base import ProductId, Resource, ok, path, scoped
from ._poll import poll
from ._upload import FileSource, read_upload

__all__ = ["Sims"]

DEFAULT_PER_PAGE = 25

SimAction = Literal["activate", "deactivate", "reactivate"]


class Sims(Resource):
    """SIM calls. Each accepts `product=` (id or slug) for the product's SIMs."""

    async def list(
        self,
        *,
        product: ProductId | None = None,
        iccid: str | None = None,
        device_id: str | None = None,
        device_name: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> Page[Sim]:
        """One page of SIMs. Filters (partial match) and paging exist only with `product=`
        (25 per page by default); your own SIMs come as one page. The page size goes out as
        both `per_page` (the JS SDK) and `perPage` (the docs).

        Endpoint: `GET /v1/sims` (or `/v1/products/:product/sims`).
        """
        filters = {"iccid": iccid, "deviceId": device_id, "deviceName": device_name}
        if product is None:
            if any(v is not None for v in (*filters.values(), page, per_page)):
                raise ValueError("SIM filters and paging need product=")
            body = await self._transport.request("GET", "/v1/sims")
            return page_from_body(body, "sims", Sim.from_api, page=1, per_page=None)
        params = {**filters, "page": page, "per_page": per_page, "perPage": per_page}
        body = await self._transport.request(
            "GET", path("/v1/products/{}/sims", product), params=params
        )
        return page_from_body(body, "sims", Sim.from_api, page=page or 1, per_page=per_page)

    def iter(
        self,
        *,
        product: ProductId | None = None,
        iccid: str | None = None,
        device_id: str | None = None,
        device_name: str | None = None,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Pager[Sim]:
        """Every SIM, walking the product's pages lazily (your own SIMs: one page)."""

        async def fetch(number: int) -> Page[Sim]:
            if product is None:
                return await self.list(iccid=iccid, device_id=device_id, device_name=device_name)
            return await self.list(
                product=product,
                iccid=iccid,
                device_id=device_id,
                device_name=device_name,
                page=number,
                per_page=per_page,
            )

        return Pager(fetch)

    async def get(self, iccid: str, *, product: ProductId | None = None) -> Sim:
        """One SIM's details (status, carrier, activations, last device).

        Endpoint: `GET /v1/sims/:iccid` (or `/v1/products/:product/sims/:iccid`).
        """
        body = await self._transport.request("GET", scoped(product, "sims/{}", iccid))
        inner = body.get("sim", body) if isinstance(body, dict) else body
        return Sim.from_api(inner)

    async def check(self, iccid: str) -> bool:
        """Whether the SIM exists for you (`HEAD /v1/sims/:iccid`); errors raise as usual."""
        await self._transport.request("HEAD", path("/v1/sims/{}", iccid), expect="response")
        return True

    async def update(
        self, iccid: str, action: SimAction, *, product: ProductId | None = None
    ) -> bool:
        """`PUT /v1/sims/:iccid {action}`: activate (your own SIMs only), deactivate or
        reactivate."""
        result = await self._transport.request(
            "PUT", scoped(product, "sims/{}", iccid), json_body={"action": action}, idempotent=True
        )
        return ok(result)

    async def activate(self, iccid: str) -> bool:
        """Activate one of your SIMs for the first time (product SIMs: `import_sims`)."""
        return await self.update(iccid, "activate")

    async def deactivate(self, iccid: str, *, product: ProductId | None = None) -> bool:
        """Stop the SIM from connecting (a deactivated SIM is not billed)."""
        return await self.update(iccid, "deactivate", product=product)

    async def reactivate(self, iccid: str, *, product: ProductId | None = None) -> bool:
        """Let a deactivated SIM connect again."""
        return await self.update(iccid, "reactivate", product=product)

    async def remove(self, iccid: str, *, product: ProductId | None = None) -> SimRelease:
        """Release (and deactivate) the SIM so another account can take it; `pending` when
        the API answered 202.

        Endpoint: `DELETE /v1/sims/:iccid` (or `/v1/products/:product/sims/:iccid`).
        """
        response: httpx.Response = await self._transport.request(
            "DELETE", scoped(product, "sims/{}", iccid), expect="response", idempotent=True
        )
        return SimRelease.from_api({"pending": response.status_code == 202})

    async def import_sims(
        self,
        product: ProductId,
        *,
        iccids: Sequence[str] | None = None,
        file: FileSource | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> bool:
        """Import and activate SIMs into a product: a list of `iccids`, or a `file` (path,
        bytes or binary file) with one ICCID per line. Queued; the results are e-mailed.

        Endpoint: `POST /v1/products/:product/sims`.
        """
        if (iccids is None) == (file is None):
            raise ValueError("import_sims() needs exactly one of iccids= or file=")
        where = path("/v1/products/{}/sims", product)
        if iccids is not None:
            result = await self._transport.request("POST", where, json_body={"sims": list(iccids)})
        else:
            assert file is not None
            part = await read_upload(file, "sims.txt", content_type="text/plain")
            result = await self._transport.request(
                "POST", where, files={"file": part}, progress=progress
            )
        return ok(result)

    async def data_usage(self, iccid: str, *, product: ProductId | None = None) -> SimDataUsage:
        """The SIM's data use this billing period, day by day (may lag up to an hour).

        Endpoint: `GET /v1/sims/:iccid/data_usage` (or
        `/v1/products/:product/sims/:iccid/data_usage`).
        """
        body = await self._transport.request("GET", scoped(product, "sims/{}/data_usage", iccid))
        return SimDataUsage.from_api(body)

    async def fleet_data_usage(self, product: ProductId) -> FleetDataUsage:
        """The product fleet's data use this billing period (may lag by days).

        Endpoint: `GET /v1/products/:product/sims/data_usage`.
        """
        body = await self._transport.request(
            "GET", path("/v1/products/{}/sims/data_usage", product)
        )
        return FleetDataUsage.from_api(body)

    async def status(self, iccid: str, *, product: ProductId | None = None) -> SimStatus:
        """Start (or look up) the cellular-network check for a SIM. Answers 202 with
        `state == "pending"` until done; see `wait_for_status`.

        Endpoint: `GET /v1/sims/:iccid/status` (or `/v1/products/:product/sims/:iccid/status`).
        """
        body = await self._transport.request("GET", scoped(product, "sims/{}/status", iccid))
        return SimStatus.from_api(body or {})

    async def wait_for_status(
        self,
        iccid: str,
        *,
        product: ProductId | None = None,
        attempts: int = 20,
        min_interval: float = 1.0,
        max_interval: float = 30.0,
    ) -> SimStatus:
        """Poll `status` until `meta.state` is `complete`, sleeping until the answer's
        `check_again_after` (kept between `min_interval` and `max_interval` seconds).
        Raises `PollTimeoutError` after `attempts` checks."""

        def delay(answer: SimStatus) -> float:
            due = answer.check_again_after
            if due is None:
                return min_interval
            wait = (due - datetime.now(timezone.utc)).total_seconds()
            return min(max(wait, min_interval), max_interval)

        return await poll(
            lambda: self.status(iccid, product=product),
            lambda answer: answer.is_complete,
            clock=self._transport.clock,
            attempts=attempts,
            delay=delay,
            what=f"status of SIM {iccid}",
        )
