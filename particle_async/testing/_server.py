"""`FakeCloud`: the fake's lifecycle and its Python face.

The server is uvicorn on a socket bound here to 127.0.0.1:0, running in a dedicated
thread with its own asyncio loop. That makes it usable from sync tests, asyncio tests
and trio tests alike, and keeps a test's own loop free to act as the client. Stopping
closes every open stream first, so shutdown does not wait on long-lived responses.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import anyio.to_thread
import uvicorn

from ._app import build_app
from ._controls import Faults, SlidingWindowLimiter
from ._replay import Recorded, Replay, open_replay
from ._sse import Ending, StreamRegistry, install_log_filter
from ._state import (
    GRANTS,
    PUBLIC_CLIENTS,
    CloudState,
    FakeDevice,
    FakeEvent,
    FakeOrg,
    FakeProduct,
    FakeUser,
    FunctionHandler,
    OAuthClient,
    VariableValue,
    new_id,
    new_token,
)
from ._webhooks import Webhooks
from ._wire import Services

logger = logging.getLogger("particle_async.testing")

DEFAULT_USERNAME = "user@example.com"
DEFAULT_PASSWORD = "password"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
T = TypeVar("T")
ERAS = ("current", "2014")
SETTLE_TIMEOUT = 0.2  # how long stop() lets stream responses finish before aborting them


class _Server(uvicorn.Server):
    """uvicorn's server with an event-driven main loop (it reports readiness once
    listening and exits the moment it is told to, instead of polling every 0.1 s) and a
    shutdown that cannot be held up by a client that stopped reading a stream."""

    def __init__(
        self, config: uvicorn.Config, ready: threading.Event, streams: StreamRegistry
    ) -> None:
        super().__init__(config)
        self.ready = ready
        self.streams = streams
        self.exit_requested: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self.exit_requested = asyncio.Event()
        await self.on_tick(0)
        self.ready.set()
        while not self.exit_requested.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.exit_requested.wait(), 1.0)
            await self.on_tick(0)  # refreshes the Date header once a second

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Streams were ended before exit was requested: let their responses finish
        (healthy ones end at once), then abort connections still holding unsent bytes,
        whose readers stopped reading; uvicorn would otherwise wait out its grace period
        for a flush that never comes."""
        pending = self.streams.live_tasks()
        if pending:
            await asyncio.wait(pending, timeout=SETTLE_TIMEOUT)
        for connection in list(self.server_state.connections):
            transport = getattr(connection, "transport", None)
            if isinstance(transport, asyncio.WriteTransport) and transport.get_write_buffer_size():
                transport.abort()
        await super().shutdown(sockets)


class Simulation:
    """A device publishing on a schedule; created by `FakeCloud.simulate`."""

    def __init__(
        self,
        device: FakeDevice,
        name: str,
        data: str | Callable[[int], str] | None,
        interval: float,
        count: int | None,
        ttl: int,
        private: bool,
    ) -> None:
        self.device = device
        self.name = name
        self.published = 0
        self._data = data
        self._interval = interval
        self._count = count
        self._ttl = ttl
        self._private = private
        self._future: concurrent.futures.Future[None] | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> Simulation:
        """Start publishing on the fake's event loop (thread-safe); returns the simulation."""
        self._future = asyncio.run_coroutine_threadsafe(self.run(), loop)
        self._future.add_done_callback(self._report)
        return self

    def _report(self, future: concurrent.futures.Future[None]) -> None:
        """A failing `data` callable must not die silently in the server thread."""
        if not future.cancelled() and future.exception() is not None:
            logger.error(
                "simulation %r of %s failed", self.name, self.device.id, exc_info=future.exception()
            )

    def stop(self) -> None:
        """Thread-safe; the publishing task is cancelled on the server loop."""
        if self._future is not None:
            with contextlib.suppress(RuntimeError):  # the loop is already gone
                self._future.cancel()

    @property
    def done(self) -> bool:
        """Whether the publishing task has finished (its `count` reached, stopped, or failed)."""
        return self._future is not None and self._future.done()

    def _payload(self, i: int) -> str:
        if callable(self._data):
            return self._data(i)
        return str(i) if self._data is None else self._data

    async def run(self) -> None:
        """Publish at start + interval, start + 2*interval, ... (no drift); an offline
        device skips its turn, as a real one could not publish."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        i = 0
        while self._count is None or i < self._count:
            await asyncio.sleep(max(0.0, start + (i + 1) * self._interval - loop.time()))
            if self.device.online:
                self.device.publish(
                    self.name, self._payload(i), ttl=self._ttl, private=self._private
                )
                self.published += 1
            i += 1


class FakeCloud:
    """An in-memory Particle Cloud served over real HTTP on 127.0.0.1.

    Use it as `with FakeCloud() as cloud:`, `async with FakeCloud() as cloud:` (asyncio or
    trio), or `start()`/`stop()`. It starts with one user, `user@example.com` /
    `password`, whose token is `cloud.token`. Every method is thread-safe.

    `rate_limit` is requests per second per client address (None: unlimited);
    `keepalive_interval` is the silence after which streams send `:\\n\\n`;
    `stream_queue_size` bounds each stream's backlog (overflow is dropped and counted);
    `clock` (monotonic seconds) is the fake's time source, injectable so tests can move
    time: it drives the rate limiter, webhook rate caps and retries (a `ManualClock`
    also wakes waiting webhooks) and the fake's wall clock, which starts at
    `start_time` (default: now) and decides when tokens expire.
    `oauth_clients` (client ID -> secret) replaces the public clients `/oauth/token`
    accepts (default: `PUBLIC_CLIENTS`: particle, particle-api, CLI2, user, spark).
    `era` is "current" (the newest docs, the default) or "2014" (the Spark Cloud docs:
    a flash answers `{ok, firmware_binary_id}` and events carry `ttl` as a string).
    """

    def __init__(
        self,
        *,
        rate_limit: int | None = 10,
        keepalive_interval: float = 9.0,
        stream_queue_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
        start_time: datetime | None = None,
        oauth_clients: Mapping[str, str] | None = None,
        era: str = "current",
    ) -> None:
        if era not in ERAS:
            raise ValueError(f"era must be one of {ERAS}")
        self.era = era
        self._streams = StreamRegistry(stream_queue_size, ttl_as_string=era == "2014")
        self._state = CloudState(
            sink=self._publish,
            clock=clock,
            start_time=start_time,
            public_clients=PUBLIC_CLIENTS if oauth_clients is None else oauth_clients,
        )
        self.webhooks = Webhooks(self._state, clock)  # deliveries, stats, rate cap, retries
        self._limiter = SlidingWindowLimiter(rate_limit, clock)
        self.faults = Faults(self._streams)
        self._services = Services(self._state, self._streams, keepalive_interval, era)
        self.user = self._state.add_user(DEFAULT_USERNAME, DEFAULT_PASSWORD)
        self._phase = "new"
        self._phase_lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._port: int | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._startup_error: BaseException | None = None
        self._simulations: list[Simulation] = []
        self._replays: list[Replay] = []

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeCloud:
        """Bind, start the server thread, and return once it accepts connections."""
        with self._phase_lock:
            if self._phase != "new":
                raise RuntimeError(f"FakeCloud cannot be started: it is {self._phase}")
            self._phase = "running"
        install_log_filter()
        # An explicit IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets
        # only then, and without it each response waits ~40 ms on delayed ACKs.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.bind(("127.0.0.1", 0))
        self._port = int(self._sock.getsockname()[1])
        ready = threading.Event()
        self._server = _Server(self._config(), ready, self._streams)
        self._thread = threading.Thread(
            target=self._run, name=f"FakeCloud:{self.port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT) or self._startup_error is not None:
            self.stop()
            raise RuntimeError("FakeCloud failed to start") from self._startup_error
        return self

    def stop(self) -> None:
        """Close every stream, stop the server, join its thread. Idempotent."""
        with self._phase_lock:
            previous, self._phase = self._phase, "stopped"
        if previous != "running":
            return
        for simulation in self._simulations:
            simulation.stop()
        self.webhooks.stop()
        for replay in self._replays:
            replay.stop()
        self._streams.end_all(Ending.CLOSED, close=True)
        server, loop = self._server, self._loop
        if server is not None and loop is not None and server.exit_requested is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(server.exit_requested.set)
        elif server is not None:
            server.should_exit = True  # still starting up: uvicorn checks this flag
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)
            if self._thread.is_alive():
                raise RuntimeError(f"FakeCloud server thread still running after {STOP_TIMEOUT}s")
        if self._sock is not None:
            self._sock.close()

    def _config(self) -> uvicorn.Config:
        app = build_app(self._services, self.faults, self._limiter)
        return uvicorn.Config(
            app,
            http="h11",
            ws="none",
            lifespan="off",
            log_level="warning",
            log_config=None,  # leave the host application's logging configuration alone
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=1,
        )

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # SystemExit from a failed uvicorn startup included
            self._startup_error = exc
        finally:
            self._streams.loop = None
            if self._server is not None:
                self._server.ready.set()

    async def _serve(self) -> None:
        assert self._server is not None
        assert self._sock is not None
        self._loop = asyncio.get_running_loop()
        self._streams.loop = self._loop
        self.webhooks.start(self._loop)
        await self._server.serve(sockets=[self._sock])

    def __enter__(self) -> FakeCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeCloud:
        return await anyio.to_thread.run_sync(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)

    # -- addresses and credentials -------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on (raises `RuntimeError` before `start()`)."""
        if self._port is None:
            raise RuntimeError("FakeCloud is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`: pass it to `Particle(base_url=...)`."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        """The default user's first access token."""
        return self.user.token

    @property
    def rate_limit(self) -> int | None:
        """The fake's requests-per-second limit per client, or None when it does not limit."""
        return self._limiter.limit

    @rate_limit.setter
    def rate_limit(self, limit: int | None) -> None:
        """The fake's requests-per-second limit per client, or None when it does not limit."""
        self._limiter.limit = limit

    # -- state ---------------------------------------------------------------------------

    def add_user(self, username: str, password: str) -> FakeUser:
        """Create another user that can log in with `username` and `password`."""
        return self._state.add_user(username, password)

    def add_device(
        self,
        name: str | None = None,
        *,
        owner: FakeUser | str | None = None,
        product_id: int | None = None,
        platform_id: int = 6,
        online: bool = True,
        variables: dict[str, VariableValue] | None = None,
        functions: dict[str, FunctionHandler] | None = None,
        claimed: bool = True,
        id: str | None = None,
        **fields: Any,
    ) -> FakeDevice:
        """A device owned by `owner` (default: the default user); `claimed=False` leaves
        it unclaimed. Extra keywords set any `FakeDevice` field (notes, groups, ...)."""
        return self._state.add_device(
            id=id,
            name=name,
            owner=self._username(owner) if claimed else None,
            product_id=product_id,
            platform_id=platform_id,
            online=online,
            variables=dict(variables or {}),
            functions=dict(functions or {}),
            **fields,
        )

    def add_product(
        self,
        id: int,
        slug: str | None = None,
        name: str | None = None,
        *,
        platform_id: int = 6,
        org: str | None = None,
        members: list[FakeUser | str] | None = None,
    ) -> FakeProduct:
        """A product whose team is `members` (default: the default user)."""
        slug = slug or f"product-{id}"
        team = {self._username(m) for m in members or [self.user]}
        product = FakeProduct(
            id=id, slug=slug, name=name or slug, platform_id=platform_id, org=org, members=team
        )
        return self._state.add_product(product)

    def add_org(
        self, slug: str, name: str | None = None, *, members: list[FakeUser | str] | None = None
    ) -> FakeOrg:
        """Create an organization `slug` with `members` (default: the main user); returns it."""
        team = {self._username(m) for m in members or [self.user]}
        return self._state.add_org(FakeOrg(id=new_id(), slug=slug, name=name or slug, members=team))

    def add_oauth_client(
        self,
        client_id: str | None = None,
        secret: str | None = None,
        *,
        owner: FakeUser | str | None = None,
        product_id: int | None = None,
        kind: str = "installed",
    ) -> OAuthClient:
        """A client whose `client_credentials` tokens act for `owner`; `kind` ("installed",
        "web" or "public") decides which grants `/oauth/token` lets it use."""
        if kind not in GRANTS:
            raise ValueError(f"kind must be one of {sorted(GRANTS)}")
        client = OAuthClient(
            id=client_id or f"client-{new_id()[:8]}",
            secret=secret or new_token(),
            owner=self._username(owner),
            product_id=product_id,
            kind=kind,
        )
        return self._state.add_client(client)

    def device(self, key: str) -> FakeDevice:
        """A device by ID or name."""
        device = self._state.find_device(key) or next(
            (d for d in self._state.all_devices() if d.name == key), None
        )
        if device is None:
            raise KeyError(key)
        return device

    @property
    def devices(self) -> list[FakeDevice]:
        """Every device in the fake cloud, of every user and product."""
        return self._state.all_devices()

    def account(self, username: str) -> FakeUser:
        """A user by username."""
        with self._state.lock:
            user = self._state.users.get(username)
        if user is None:
            raise KeyError(username)
        return user

    def product(self, key: int | str) -> FakeProduct:
        """A product by ID or slug."""
        product = self._state.find_product(str(key))
        if product is None:
            raise KeyError(key)
        return product

    def org(self, key: str) -> FakeOrg:
        """An organisation by slug or ID."""
        org = self._state.find_org(key)
        if org is None:
            raise KeyError(key)
        return org

    def area(self, kind: type[T]) -> T:
        """The store of one API area, the very object its routes read and write, e.g.
        `cloud.area(FirmwareState).flashed[device.id]` (the classes live in the area's
        module under `particle_async.testing.routes`). Created empty on first use."""
        return self._state.area(kind)

    @property
    def state(self) -> CloudState:
        """Everything the fake knows (users, tokens, devices, products, organisations),
        for the area helpers that take it, e.g. `accounts_secrets.read_secret(cloud.state,
        ...)`. It is the live state: mutate it only through its methods, which lock."""
        return self._state

    def _username(self, who: FakeUser | str | None) -> str:
        if who is None:
            return self.user.username
        return who if isinstance(who, str) else who.username

    # -- events --------------------------------------------------------------------------

    def _publish(self, event: FakeEvent) -> None:
        """Every published event: to the open streams, then to the webhooks it triggers."""
        self._streams.dispatch(event)
        self.webhooks.dispatch(event)

    def publish(
        self,
        name: str,
        data: str | None = None,
        *,
        device_id: str | None = None,
        product_id: int | None = None,
        ttl: int = 60,
        private: bool = True,
    ) -> FakeEvent:
        """Publish as a device (`device_id`), or as the API (`coreid` "api", owned by the
        default user, in `product_id`'s stream when given)."""
        if device_id is not None:
            return self.device(device_id).publish(name, data, ttl=ttl, private=private)
        event = FakeEvent(
            name=name,
            data="" if data is None else data,
            ttl=ttl,
            private=private,
            coreid="api",
            owner=self.user.username,
            product_id=product_id,
        )
        self._state.publish(event)
        return event

    def simulate(
        self,
        device: FakeDevice,
        name: str,
        data: str | Callable[[int], str] | None = None,
        *,
        interval: float = 1.0,
        count: int | None = None,
        ttl: int = 60,
        private: bool = True,
    ) -> Simulation:
        """Make `device` publish `name` every `interval` seconds (`count` times, or until
        stopped or the cloud stops). `data(i)` computes the i-th payload (default: "i")."""
        if self._loop is None or self._phase != "running":
            raise RuntimeError("FakeCloud is not running")
        simulation = Simulation(device, name, data, interval, count, ttl, private)
        self._simulations.append(simulation.start(self._loop))
        return simulation

    def replay(
        self,
        path: str | Path,
        speed: float = 1.0,
        *,
        owner: FakeUser | str | None = None,
        populate: bool = True,
    ) -> Replay:
        """Publish the events recorded in `path` (`particle-async record`'s JSON lines)
        with their original spacing divided by `speed` (0: as fast as possible), through
        the same path as live events. They belong to `owner` (default: the default user);
        `populate` first adds the devices (and products) they name that the fake lacks, so
        device and product streams can be opened. Malformed lines are logged, skipped and
        listed in the returned `Replay`'s `skipped`; it publishes in the background."""
        if self._loop is None or self._phase != "running":
            raise RuntimeError("FakeCloud is not running")
        source, events, skipped = open_replay(path, speed, self._username(owner))
        if populate:
            self._populate(events, self._username(owner))
        replay = Replay(source, events, skipped, speed, self._state.publish)
        self._replays.append(replay.start(self._loop))
        return replay

    def _populate(self, events: list[Recorded], owner: str) -> None:
        for recorded in events:
            event = recorded.event
            product = event.product_id
            if product is not None and self._state.find_product(str(product)) is None:
                self.add_product(product, members=[owner])
            if event.coreid != "api" and self._state.find_device(event.coreid) is None:
                self._state.add_device(id=event.coreid, owner=owner, product_id=product)

    @property
    def published(self) -> list[FakeEvent]:
        """Every event published (over HTTP or from Python), oldest first."""
        return self._state.published

    @property
    def requests(self) -> list[tuple[str, str]]:
        """`(method, path)` of every request received, faulted and rate-limited included."""
        return self._state.requests

    # -- streams -------------------------------------------------------------------------

    @property
    def open_streams(self) -> int:
        """How many event-stream connections are open right now."""
        return self._streams.count

    @property
    def dropped_events(self) -> int:
        """Events not delivered because a stream's queue was full (a slow reader)."""
        return self._streams.dropped_events

    def wait_for_streams_sync(self, n: int, timeout: float = 5.0) -> None:
        """Block until exactly `n` streams are open; TimeoutError after `timeout`."""
        if not self._streams.wait_for(n, timeout):
            raise TimeoutError(
                f"expected {n} open streams, have {self.open_streams} after {timeout}s"
            )

    async def wait_for_streams(self, n: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """`wait_for_streams_sync` from asyncio or trio: a worker thread waits on the
        registry's condition (no polling). If the caller is cancelled, the wait is
        interrupted so the worker thread ends at once. (`timeout` is the documented API.)"""
        interrupt = threading.Event()
        try:
            satisfied = await anyio.to_thread.run_sync(
                self._streams.wait_for, n, timeout, interrupt, abandon_on_cancel=True
            )
        finally:
            self._streams.interrupt(interrupt)
        if not satisfied:
            raise TimeoutError(
                f"expected {n} open streams, have {self.open_streams} after {timeout}s"
            )
