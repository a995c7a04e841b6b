"""Webhook delivery: the fake cloud making the outbound requests the real one makes.

Publishing must never wait on somebody's web server, so `dispatch` (called for every
published event, on whatever thread published it) only matches integrations and appends
to a bounded queue per integration; an event that finds its queue full is dropped and
counted. One worker task per integration, on the server's loop, makes the requests one
at a time, so a slow or dead server delays only its own integration.

Timing, as the webhook reference describes it (the numbers are attributes to change):
- the rate cap: at most `rate_limit` requests per integration in any 60 s (12, the cap
  the older docs state; None lifts it). Events over the cap wait in the queue.
- the server rating, per hostname: while error answers outnumber successes in the last
  minute, attempts are skipped until `cooldown` seconds pass without an error; each skip
  publishes `hook-error` "Sleeping, too many errors, please wait and try again".
- retries: a failed or skipped attempt is retried after 30 s, then after 1 min
  (`retry_delays`), then dropped.
- a server must answer within 20 s (`timeout`), or the attempt failed.
Time comes from the cloud's `clock`. With a `ManualClock` a worker waiting for a retry or
for the rate window wakes when the test moves the clock, so no test sleeps.

Requests go only to loopback addresses. Anything else is refused before a connection is
attempted (a `hook-error` and the `refused` counter say why): tests never leave the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import ipaddress
import itertools
import logging
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
import httpx

from ._manual_clock import ManualClock
from ._state import CloudState, FakeEvent, iso_ms, utcnow
from ._webhook_render import (
    BODY_METHODS,
    MAX_RESPONSE,
    OutboundRequest,
    TemplateError,
    Trigger,
    build_request,
    error_topic,
    response_chunks,
    response_topic,
    variables,
)
from .routes.build_integrations import Integration, IntegrationsState

logger = logging.getLogger("particle_async.testing")

INTERNAL_COREID = "particle-internal"  # the `coreid` of the events webhooks publish
SLEEPING = "Sleeping, too many errors, please wait and try again"
RATE_WINDOW = 60.0  # seconds: the rate cap is per minute
RATING_WINDOW = 60.0  # seconds of outcomes the server rating looks at
RECORD_LIMIT = 10_000  # newest deliveries kept in `deliveries`
RECORDED_RESPONSE = 4096  # bytes of each answer kept in its record (100 KB are published)
MAX_LOGS = 10  # per integration, as `GET /v1/integrations/:id` shows them
STOP_TIMEOUT = 5.0

__all__ = ["WebhookDelivery", "WebhookStats", "Webhooks", "loopback_refusal"]


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt: "ok" (a 2xx answer), "error" (another status, a connection failure,
    a timeout, a template that does not parse), "skipped" (the server is sleeping) or
    "refused" (not a loopback address)."""

    integration_id: str
    event: FakeEvent
    event_id: str
    attempt: int  # 1 for the first try, then 2, 3 for the retries
    outcome: str
    request: OutboundRequest | None
    status: int | None = None
    response: bytes = field(default=b"", repr=False)  # the first 4 KB of the answer
    error: str | None = None
    at: float = 0.0  # the cloud clock's reading when the attempt was made


@dataclass
class WebhookStats:
    queued: int = 0  # events accepted into an integration's queue
    sent: int = 0  # requests made
    succeeded: int = 0  # 2xx answers
    failed: int = 0  # other answers, connection failures, timeouts, bad templates
    skipped: int = 0  # attempts not made: the server was sleeping
    retried: int = 0  # retries scheduled
    dropped: int = 0  # events given up after the last retry
    refused: int = 0  # attempts at a non-loopback address
    rate_limited: int = 0  # events that had to wait for the rate cap
    queue_full: int = 0  # events lost: the integration's queue was full

    def __iadd__(self, other: WebhookStats) -> WebhookStats:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


@dataclass(eq=False)
class _Job:
    trigger: Trigger
    attempt: int
    held: bool = False  # already counted as waiting for the rate cap


class _Worker:
    """One integration's queue, retries and rate window; guarded by the manager's lock,
    except `task` and `wake`, which live on the server loop."""

    def __init__(self, hook_id: str) -> None:
        self.hook_id = hook_id
        self.queue: deque[_Job] = deque()
        self.retries: list[tuple[float, int, _Job]] = []  # a heap by due time
        self.sent: deque[float] = deque()  # times of the requests inside the rate window
        self.stats = WebhookStats()
        self.idle = False  # nothing to do until an event arrives or time moves
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None


class _ServerRating:
    """The adaptive skip, per hostname: more errors than successes lately, and the last
    error less than `cooldown` seconds ago. Used on the server loop only."""

    def __init__(self) -> None:
        self._outcomes: dict[str, deque[tuple[float, bool]]] = {}

    def _recent(self, host: str, now: float) -> deque[tuple[float, bool]]:
        outcomes = self._outcomes.setdefault(host, deque())
        while outcomes and outcomes[0][0] <= now - RATING_WINDOW:
            outcomes.popleft()
        return outcomes

    def record(self, host: str, ok: bool, now: float) -> None:
        self._recent(host, now).append((now, ok))

    def sleeping(self, host: str, now: float, cooldown: float) -> bool:
        outcomes = self._recent(host, now)
        errors = [t for t, ok in outcomes if not ok]
        if not errors:
            return False
        return len(errors) > len(outcomes) - len(errors) and now - errors[-1] < cooldown


def loopback_refusal(url: str) -> str | None:
    """Why the fake will not deliver to `url`, or None when it is a loopback address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"refused: webhook URL {url!r} is not http or https"
    host = (parts.hostname or "").lower()
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"refused: the fake cloud delivers webhooks only to loopback addresses "
        f"(127.0.0.0/8, ::1, localhost), not {host or url!r}"
    )


def _triggers_webhooks(event: FakeEvent) -> bool:
    """Webhooks' own events never trigger webhooks (no loops), whatever their topic."""
    return event.coreid != INTERNAL_COREID and not event.name.startswith(
        ("hook-sent/", "hook-response/", "hook-error/")
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _matches(hook: Integration, event: FakeEvent) -> bool:
    """The reference's rules: the name starts with the hook's `event`; a product hook
    takes every event of the product's devices; a sandbox hook takes the owner's devices
    (only `deviceID` if set) and, with `mydevices` false, anybody's public events."""
    settings = hook.settings
    if settings.get("integration_type") != "Webhook" or _truthy(settings.get("disabled")):
        return False
    prefix = str(settings.get("event") or "")
    if not prefix or not event.name.startswith(prefix):
        return False
    kind, _, owner = hook.scope.partition(":")
    if kind == "product":
        return event.product_id is not None and str(event.product_id) == owner
    if hook.device_id and event.coreid != hook.device_id.lower():
        return False
    if event.owner == owner:
        return True
    return not event.private and not _truthy(settings.get("mydevices", True))


class Webhooks:
    """The fake's webhook deliveries: `cloud.webhooks`. Thread-safe. `deliveries` and
    `stats()` show what happened; `wait_idle()` waits until nothing is left to do that
    does not need more events or the clock to move."""

    def __init__(self, state: CloudState, clock: Callable[[], float]) -> None:
        self.rate_limit: int | None = 12
        self.retry_delays: tuple[float, ...] = (30.0, 60.0)
        self.timeout = 20.0
        self.cooldown = 5.0
        self.queue_size = 100
        self._state = state
        self._clock = clock
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._workers: dict[str, _Worker] = {}
        self._deliveries: deque[WebhookDelivery] = deque(maxlen=RECORD_LIMIT)
        self._rating = _ServerRating()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._clients: dict[bool, httpx.AsyncClient] = {}
        self._seq = itertools.count()
        self._unsubscribe = (
            clock.on_advance(self._time_moved) if isinstance(clock, ManualClock) else None
        )

    # -- what tests look at -------------------------------------------------------------

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every attempt, oldest first (the newest 10,000)."""
        with self._lock:
            return list(self._deliveries)

    def stats(self, integration_id: str | None = None) -> WebhookStats:
        """Counters of one integration, or of all of them."""
        total = WebhookStats()
        with self._lock:
            for worker in self._workers.values():
                if integration_id is None or worker.hook_id == integration_id:
                    total += worker.stats
        return total

    def wait_idle_sync(
        self, timeout: float = 5.0, interrupt: threading.Event | None = None
    ) -> None:
        """Block until every worker waits for a new event or for time to move (a retry
        not yet due, a full rate window); TimeoutError after `timeout`."""
        with self._changed:
            done = self._changed.wait_for(
                lambda: self._all_idle() or (interrupt is not None and interrupt.is_set()),
                timeout,
            )
        if not done:
            raise TimeoutError(f"webhook deliveries still running after {timeout}s")

    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """`wait_idle_sync` from asyncio or trio, in a worker thread, interrupted at once
        if the caller is cancelled. (`timeout` is the documented API, as elsewhere.)"""
        interrupt = threading.Event()
        try:
            await anyio.to_thread.run_sync(
                self.wait_idle_sync, timeout, interrupt, abandon_on_cancel=True
            )
        finally:
            with self._changed:
                interrupt.set()
                self._changed.notify_all()

    def _all_idle(self) -> bool:  # lock held
        return self._closed or all(w.idle for w in self._workers.values())

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the server loop once it runs; events queued before start now go."""
        with self._lock:
            self._loop = loop
            for worker in self._workers.values():
                self._poke(worker)

    def stop(self) -> None:
        """Cancel the workers (in-flight requests included) and close the HTTP clients.
        Idempotent; called by `FakeCloud.stop` from outside the server loop."""
        with self._changed:
            if self._closed:
                return
            self._closed = True
            loop = self._loop
            self._changed.notify_all()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if loop is None or loop.is_closed():
            return
        try:
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        except RuntimeError:  # the loop is already gone
            return
        with contextlib.suppress(Exception):
            future.result(STOP_TIMEOUT)

    async def _shutdown(self) -> None:
        with self._lock:
            tasks = [w.task for w in self._workers.values() if w.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    # -- publishing side: any thread, never blocks ----------------------------------------

    def dispatch(self, event: FakeEvent) -> None:
        """Queue `event` for every integration it triggers."""
        if not _triggers_webhooks(event):
            return
        with self._state.lock:
            store = self._state.area(IntegrationsState)
            hooks = [h.id for h in store.integrations.values() if _matches(h, event)]
        if not hooks:
            return
        trigger = self._trigger(event)
        with self._lock:
            if self._closed:
                return
            for hook_id in hooks:
                worker = self._workers.setdefault(hook_id, _Worker(hook_id))
                if len(worker.queue) >= self.queue_size:
                    worker.stats.queue_full += 1
                    continue
                worker.queue.append(_Job(trigger, attempt=1))
                worker.stats.queued += 1
                self._poke(worker)

    def _trigger(self, event: FakeEvent) -> Trigger:
        with self._state.lock:
            device = self._state.devices.get(event.coreid)
            owner = self._state.users.get(event.owner) if event.owner else None
        reported = event.product_id
        if reported is None and device is not None:
            reported = device.platform_id  # what the API reports for sandbox devices
        return Trigger(event, secrets.token_hex(12), reported, owner.id if owner else None)

    def _poke(self, worker: _Worker) -> None:  # lock held
        worker.idle = False
        if self._loop is None or self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing: stop() cleans up
            # A fresh context: the publisher's (a trio test's, say) must not leak into the
            # worker task, where sniffio would then make httpx speak trio on asyncio.
            self._loop.call_soon_threadsafe(self._run, worker, context=contextvars.Context())

    def _time_moved(self) -> None:
        with self._lock:
            for worker in self._workers.values():
                self._poke(worker)

    # -- the workers: on the server loop ------------------------------------------------

    def _run(self, worker: _Worker) -> None:
        if self._closed or self._loop is None:
            return
        if worker.task is None:
            worker.task = self._loop.create_task(self._work(worker))
        worker.wake.set()

    async def _work(self, worker: _Worker) -> None:
        while True:
            job, deadline = self._next_job(worker)
            if job is None:
                await self._wait(worker, deadline)
                continue
            try:
                await self._attempt(worker, job)
            except Exception:  # a bug must not kill the worker silently, nor the loop
                logger.exception("webhook delivery for integration %s failed", worker.hook_id)

    def _next_job(self, worker: _Worker) -> tuple[_Job | None, float | None]:
        """The next attempt to make now, or (None, when to look again)."""
        with self._changed:
            worker.wake.clear()  # before looking: a poke after this is never lost
            now = self._clock()
            while worker.sent and worker.sent[0] <= now - RATE_WINDOW:
                worker.sent.popleft()
            due = worker.retries[0][0] if worker.retries else None
            if due is not None and due <= now:
                job = worker.retries[0][2]
            elif worker.queue:
                job = worker.queue[0]
            else:
                return self._park(worker, due)
            if self.rate_limit is not None and len(worker.sent) >= self.rate_limit:
                if not job.held:
                    job.held = True
                    worker.stats.rate_limited += 1
                return self._park(worker, worker.sent[0] + RATE_WINDOW)
            if due is not None and due <= now:
                heapq.heappop(worker.retries)
            else:
                worker.queue.popleft()
            return job, None

    def _park(self, worker: _Worker, deadline: float | None) -> tuple[None, float | None]:
        worker.idle = True  # lock held
        self._changed.notify_all()
        return None, deadline

    async def _wait(self, worker: _Worker, deadline: float | None) -> None:
        if deadline is None or isinstance(self._clock, ManualClock):
            await worker.wake.wait()  # a ManualClock pokes every worker when it moves
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(worker.wake.wait(), max(0.0, deadline - self._clock()))

    async def _attempt(self, worker: _Worker, job: _Job) -> None:
        found = self._integration(worker.hook_id)
        if found is None:
            return  # deleted since the event was queued: nothing to deliver to
        settings, scope = found
        product = scope.startswith("product:")
        context = variables(job.trigger, product_scope=product)
        now = self._clock()
        try:
            request = build_request(settings, context)
        except TemplateError as exc:
            self._failed(worker, job, scope, error_topic(settings, context), None, str(exc))
            return
        refusal = loopback_refusal(request.url)
        if refusal is not None:
            logger.warning("webhook %s: %s", worker.hook_id, refusal)
            self._record(worker, job, "refused", request, error=refusal, at=now)
            self._publish(job, scope, f"{error_topic(settings, context)}/0", refusal)
            return
        host = (urlsplit(request.url).hostname or "").lower()
        if self._rating.sleeping(host, now, self.cooldown):
            self._record(worker, job, "skipped", request, error=SLEEPING, at=now)
            self._publish(job, scope, f"{error_topic(settings, context)}/0", SLEEPING)
            self._retry(worker, job, now)
            return
        with self._lock:
            worker.sent.append(now)
            worker.stats.sent += 1
        self._publish(job, scope, f"hook-sent/{job.trigger.event.name}", "undefined")
        status, body, error = await self._exchange(request)
        ok = error is None and status is not None and 200 <= status < 300
        self._rating.record(host, ok, self._clock())
        if not ok:
            error = error or f"error status {status} from {host}"
            self._failed(worker, job, scope, error_topic(settings, context), request, error, status)
            return
        self._record(worker, job, "ok", request, status=status, response=body, at=now)
        topic = response_topic(settings, context, product)
        for n, chunk in enumerate(response_chunks(body, settings)):
            self._publish(job, scope, f"{topic}/{n}", chunk)

    def _failed(
        self,
        worker: _Worker,
        job: _Job,
        scope: str,
        topic: str,
        request: OutboundRequest | None,
        error: str,
        status: int | None = None,
    ) -> None:
        now = self._clock()
        self._record(worker, job, "error", request, status=status, error=error, at=now)
        self._publish(job, scope, f"{topic}/0", error)
        if request is not None:  # a template that does not parse fails the same way again
            self._retry(worker, job, now)

    def _retry(self, worker: _Worker, job: _Job, now: float) -> None:
        with self._lock:
            if job.attempt > len(self.retry_delays):
                worker.stats.dropped += 1
                return
            due = now + self.retry_delays[job.attempt - 1]
            heapq.heappush(
                worker.retries, (due, next(self._seq), _Job(job.trigger, job.attempt + 1))
            )
            worker.stats.retried += 1

    async def _exchange(self, request: OutboundRequest) -> tuple[int | None, bytes, str | None]:
        """(status, the first 100 KB of the body, None) or (None, b"", why it failed)."""
        client = self._client(request.verify)
        content = request.body if request.method in BODY_METHODS else None
        try:
            return await asyncio.wait_for(self._send(client, request, content), self.timeout)
        except asyncio.TimeoutError:
            return None, b"", f"timeout: no answer within {self.timeout:g} s"
        except httpx.HTTPError as exc:
            return None, b"", f"request failed: {type(exc).__name__}: {exc}".rstrip(": ")

    @staticmethod
    async def _send(
        client: httpx.AsyncClient, request: OutboundRequest, content: bytes | None
    ) -> tuple[int | None, bytes, str | None]:
        headers = list(request.headers)
        async with client.stream(
            request.method, request.url, headers=headers, content=content
        ) as r:
            body = bytearray()
            async for chunk in r.aiter_bytes():
                body += chunk
                if len(body) >= MAX_RESPONSE:
                    break  # the rest is never published: do not read it
            return r.status_code, bytes(body[:MAX_RESPONSE]), None

    def _client(self, verify: bool) -> httpx.AsyncClient:
        """No proxies from the environment, no redirects (either could leave loopback)."""
        client = self._clients.get(verify)
        if client is None:
            client = self._clients[verify] = httpx.AsyncClient(
                trust_env=False, follow_redirects=False, verify=verify, timeout=None
            )
        return client

    # -- records and events -------------------------------------------------------------

    def _integration(self, hook_id: str) -> tuple[dict[str, Any], str] | None:
        with self._state.lock:
            hook = self._state.area(IntegrationsState).integrations.get(hook_id)
            return None if hook is None else (dict(hook.settings), hook.scope)

    def _record(
        self,
        worker: _Worker,
        job: _Job,
        outcome: str,
        request: OutboundRequest | None,
        *,
        status: int | None = None,
        response: bytes = b"",
        error: str | None = None,
        at: float = 0.0,
    ) -> None:
        trigger = job.trigger
        delivery = WebhookDelivery(
            worker.hook_id, trigger.event, trigger.event_id, job.attempt, outcome, request,
            status, response[:RECORDED_RESPONSE], error, at,
        )  # fmt: skip
        with self._changed:
            self._deliveries.append(delivery)
            counter = {"ok": "succeeded", "error": "failed"}.get(outcome, outcome)
            setattr(worker.stats, counter, getattr(worker.stats, counter) + 1)
        self._log(delivery)

    def _log(self, delivery: WebhookDelivery) -> None:
        """The integration's `logs` (newest first, 10 kept), as `GET` shows them."""
        event, request = delivery.event, delivery.request
        answer: dict[str, Any] = (
            {"statusCode": delivery.status, "body": delivery.response.decode("utf-8", "replace")}
            if delivery.error is None
            else {"error": delivery.error}
        )
        entry = {
            "time": iso_ms(utcnow()),
            "event": {"name": event.name, "data": event.data, "coreid": event.coreid},
            "request": {"method": request.method, "url": request.url} if request else None,
            "response": answer,
        }
        with self._state.lock:
            store = self._state.area(IntegrationsState)
            hook = store.integrations.get(delivery.integration_id)
            if hook is not None:
                hook.logs = [entry, *hook.logs][:MAX_LOGS]

    def _publish(self, job: _Job, scope: str, name: str, data: str) -> None:
        """A hook event goes where the triggering event went: the sandbox hook's owner, or
        the device's owner and the product's stream."""
        event = job.trigger.event
        kind, _, owner = scope.partition(":")
        self._state.publish(
            FakeEvent(
                name=name,
                data=data,
                ttl=60,
                private=True,
                coreid=INTERNAL_COREID,
                owner=owner if kind == "user" else event.owner,
                product_id=event.product_id,
            )
        )
