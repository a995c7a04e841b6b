"""`cloud.diagnostics`: device vitals (remote diagnostics), with a refresh-and-wait helper."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from .._errors import NotFoundError
from ..models.diagnostics import DiagnosticsRecord, DiagnosticsRefresh
from ._base import ProductId, Resource, iso_time, scoped, unwrap
from ._poll import poll

__all__ = ["Diagnostics"]

T = TypeVar("T")


class Diagnostics(Resource):
    """Device vitals. Each call accepts `product=` (id or slug) for product devices."""

    async def refresh(
        self, device_id: str, *, product: ProductId | None = None
    ) -> DiagnosticsRefresh:
        """Ask an online device to publish fresh vitals; answers 202 at once (the vitals come
        later as a `spark/device/diagnostics/update` event and in `last`).

        Endpoint: `POST /v1/diagnostics/:deviceId/update` (or
        `/v1/products/:product/diagnostics/:deviceId/update`).
        """
        body = await self._transport.request(
            "POST", scoped(product, "diagnostics/{}/update", device_id)
        )
        return DiagnosticsRefresh.from_api(body or {})

    async def last(self, device_id: str, *, product: ProductId | None = None) -> DiagnosticsRecord:
        """The last vitals the device sent.

        Endpoint: `GET /v1/diagnostics/:deviceId/last` (or
        `/v1/products/:product/diagnostics/:deviceId/last`).
        """
        body = await self._transport.request(
            "GET", scoped(product, "diagnostics/{}/last", device_id)
        )
        return DiagnosticsRecord.from_api(unwrap(body, "diagnostics"))

    async def history(
        self,
        device_id: str,
        *,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        product: ProductId | None = None,
    ) -> list[DiagnosticsRecord]:
        """Stored vitals (kept one month), oldest first; `start_date` inclusive, `end_date`
        exclusive.

        Endpoint: `GET /v1/diagnostics/:deviceId` (or
        `/v1/products/:product/diagnostics/:deviceId`).
        """
        body = await self._transport.request(
            "GET",
            scoped(product, "diagnostics/{}", device_id),
            params={"start_date": iso_time(start_date), "end_date": iso_time(end_date)},
        )
        return DiagnosticsRecord.list_from_api(unwrap(body, "diagnostics"))

    async def history_csv(
        self,
        device_id: str,
        *,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        product: ProductId | None = None,
    ) -> str:
        """The same history as CSV text (`Accept: text/csv`)."""
        raw: bytes = await self._transport.request(
            "GET",
            scoped(product, "diagnostics/{}", device_id),
            params={"start_date": iso_time(start_date), "end_date": iso_time(end_date)},
            headers={"Accept": "text/csv"},
            expect="bytes",
        )
        return raw.decode("utf-8")

    async def wait_for_vitals(
        self,
        device_id: str,
        *,
        newer_than: datetime | None = None,
        product: ProductId | None = None,
        interval: float = 2.0,
        attempts: int = 15,
    ) -> DiagnosticsRecord:
        """Poll `last` until a record newer than `newer_than` (any record when None) arrives.

        Sleeps `interval` seconds between at most `attempts` reads; a 404 (no vitals yet)
        counts as not arrived. Raises `PollTimeoutError` when none came.
        """

        async def fetch() -> DiagnosticsRecord | None:
            try:
                return await self.last(device_id, product=product)
            except NotFoundError:
                return None

        def arrived(record: DiagnosticsRecord | None) -> bool:
            if record is None or record.updated_at is None:
                return False
            return newer_than is None or record.updated_at > newer_than

        record = await poll(
            fetch,
            arrived,
            clock=self._transport.clock,
            attempts=attempts,
            delay=lambda _: interval,
            what=f"vitals of {device_id}",
        )
        assert record is not None
        return record

    async def refresh_and_wait(
        self,
        device_id: str,
        *,
        product: ProductId | None = None,
        interval: float = 2.0,
        attempts: int = 15,
    ) -> DiagnosticsRecord:
        """`refresh`, then wait for vitals newer than the ones stored before the refresh."""
        try:
            before = (await self.last(device_id, product=product)).updated_at
        except NotFoundError:
            before = None
        await self.refresh(device_id, product=product)
        return await self.wait_for_vitals(
            device_id, newer_than=before, product=product, interval=interval, attempts=attempts
        )
