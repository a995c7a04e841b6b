"""`Particle`: configuration, lifecycle, and the resources hung off one client."""

from __future__ import annotations

import functools
import os
import ssl
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import httpx

from ._clock import Clock
from ._errors import ConfigurationError
from ._options import NOT_GIVEN, NotGiven
from ._ratelimit import Limiter, RateLimiter
from ._redact import Secret
from ._retry import RetryPolicy
from ._transport import DEFAULT_MAX_BODY_BYTES, ClientState, Transport
from .streaming._gate import OPENING_AT_ONCE, OpenGate
from .streaming._pools import PoolPlaces

if TYPE_CHECKING:  # resources are imported when first used: most programs touch a few
    from .resources.configuration import Configuration
    from .resources.customers import Customers
    from .resources.device_groups import DeviceGroups
    from .resources.device_os import DeviceOS
    from .resources.devices import Devices
    from .resources.diagnostics import Diagnostics
    from .resources.env_vars import EnvVars
    from .resources.events import Events
    from .resources.files import Files
    from .resources.firmware import Firmware
    from .resources.integrations import Integrations
    from .resources.ledger import Ledger
    from .resources.libraries import Libraries
    from .resources.location import Location
    from .resources.logic import Logic
    from .resources.mfa import Mfa
    from .resources.oauth_clients import OAuthClients
    from .resources.organizations import Organizations
    from .resources.product_firmware import ProductFirmware
    from .resources.products import Products
    from .resources.secrets import Secrets
    from .resources.sims import Sims
    from .resources.team import Team
    from .resources.tokens import Tokens
    from .resources.usage import Usage
    from .resources.user import Users

__all__ = ["DEFAULT_BASE_URL", "Particle", "validate_token"]

DEFAULT_BASE_URL = "https://api.particle.io"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
STREAM_TIMEOUT = httpx.Timeout(None, connect=10.0)
TOKEN_ENV = "PARTICLE_ACCESS_TOKEN"
BASE_URL_ENV = "PARTICLE_API_BASE_URL"


def default_limiter() -> RateLimiter:
    """≈10 requests/s like the cloud's per-IP limit, bursts of 5, a 50 ms jitter guard."""
    return RateLimiter(10, per=1.0, burst=5, guard=0.05)


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One verifying SSL context per process: loading the CA bundle costs ~20 ms each time."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def validate_token(token: str) -> Secret:
    """The token as a `Secret`, or `ConfigurationError` (which never shows the token).

    A header value must be visible ASCII; anything else fails inside httpx with an
    encoding error whose repr holds `Bearer <token>`.
    """
    if not token or not token.isascii() or not token.isprintable() or " " in token:
        raise ConfigurationError(
            f"the access token must be visible ASCII without spaces ({len(token)} characters given)"
        )
    return Secret(token)


def _validate_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"base_url must be an absolute http:// or https:// URL, got {url!r}"
        )
    return url.rstrip("/")


class Particle:
    """An asyncio client for the Particle Device Cloud.

    Use it as `async with Particle(token=...) as cloud:`, or call `await cloud.aclose()`
    yourself. It owns one `httpx.AsyncClient` for requests and one for event streams, so
    long-lived streams never take connections from the request pool. A client you pass
    (`http_client=`, `stream_http_client=`) is borrowed: yours to close.

    Options left out take their defaults: `timeout` 60 s (10 s to connect; `None` is no
    timeout), `rate_limiter` ≈10 requests/s (any `Limiter`; `None` disables limiting and
    one instance can be shared between clients), `retry` a `RetryPolicy()`, and
    `max_body_bytes` 32 MiB, `max_stream_opens` 100 (streams connecting at the same
    moment; the others wait their turn, so thousands opened at once, or reconnecting
    after an outage, do not time out in httpx's queue). `with_options(...)` gives a
    client with other options that shares this one's connections, token and lifecycle.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        stream_http_client: httpx.AsyncClient | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        rate_limiter: Limiter | NotGiven | None = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
        clock: Clock | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_stream_opens: int = OPENING_AT_ONCE,
    ):
        token = token if token is not None else os.environ.get(TOKEN_ENV)
        self._state = ClientState(validate_token(token) if token else None)
        self.base_url = _validate_base_url(
            base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        )
        self._owns_http = http_client is None
        self._http = http_client  # ours is built on the first request (see `rest_http`)
        self._stream_http = stream_http_client  # borrowed: it serves every stream
        self._stream_pools: dict[int, httpx.AsyncClient] = {}  # ours, built on first use
        self._stream_gate = OpenGate(max_stream_opens)  # checks it: ConfigurationError
        self._stream_places = PoolPlaces()  # which pool each stream joins
        self._parent: Particle | None = None
        self._transport = Transport(
            http=self.rest_http,
            base_url=self.base_url,
            state=self._state,
            limiter=default_limiter() if isinstance(rate_limiter, NotGiven) else rate_limiter,
            retry=RetryPolicy() if isinstance(retry, NotGiven) else retry,
            timeout=DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else httpx.Timeout(timeout),
            clock=clock,
            max_body_bytes=max_body_bytes,
        )

    def __repr__(self) -> str:
        state = "closed" if self._state.closed else "open"
        token = "set" if self._state.token else "none"
        return f"<Particle {self.base_url} token={token} {state}>"

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        rate_limiter: Limiter | NotGiven | None = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
        max_body_bytes: int | NotGiven = NOT_GIVEN,
    ) -> Particle:
        """A client with other options that shares this one's connections and token.

        `cloud.with_options(timeout=300).firmware.compile(...)` for one slow call, say.
        Closing the derived client closes nothing; closing this one ends both.
        """
        base = self._transport
        derived = object.__new__(Particle)
        derived.__dict__.update(
            _state=self._state,
            base_url=self.base_url,
            _owns_http=False,
            _http=self._http,
            _stream_http=None,
            _stream_pools={},
            _stream_gate=self._stream_gate,
            _stream_places=self._stream_places,
            _parent=self._parent or self,
        )
        derived._transport = Transport(
            http=self.rest_http,
            base_url=self.base_url,
            state=self._state,
            limiter=base.limiter if isinstance(rate_limiter, NotGiven) else rate_limiter,
            retry=base.retry if isinstance(retry, NotGiven) else retry,
            timeout=base.timeout if isinstance(timeout, NotGiven) else httpx.Timeout(timeout),
            clock=base.clock,
            max_body_bytes=base.max_body_bytes
            if isinstance(max_body_bytes, NotGiven)
            else max_body_bytes,
        )
        return derived

    @property
    def rate_limiter(self) -> Limiter | None:
        """The limiter every request of this client waits on (None: no limiting)."""
        return self._transport.limiter

    @property
    def closed(self) -> bool:
        """True once `aclose()` ran (on this client or the one it was derived from)."""
        return self._state.closed

    def use_token(self, token: str) -> None:
        """Switch this client (and those derived from it) to another access token."""
        self._state.token = validate_token(token)

    def rest_http(self) -> httpx.AsyncClient:
        """The client for requests, built on first use: `Particle()` itself stays cheap
        (the first `httpx.AsyncClient` of a process costs ~80 ms: imports and TLS setup)."""
        if self._parent is not None:
            return self._parent.rest_http()
        if self._http is None:
            self._transport.check_open()
            self._http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, verify=_ssl_context())
        return self._http

    def stream_http(self, pool: int = 0) -> httpx.AsyncClient:
        """The client for event streams: no read timeout (we detect dead streams ourselves).

        Streams are spread over several clients (`pool`, at most `STREAMS_PER_POOL` live
        streams each, placed by `PoolPlaces`): httpcore's pool does work in proportion to
        its connections on every request, so 4,000 streams opened at once on one client
        never all connect. A borrowed `stream_http_client=` serves every pool.
        """
        if self._parent is not None:
            return self._parent.stream_http(pool)
        self._transport.check_open()
        if self._stream_http is not None:
            return self._stream_http
        client = self._stream_pools.get(pool)
        if client is None:
            client = self._stream_pools[pool] = httpx.AsyncClient(
                timeout=STREAM_TIMEOUT,
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
                verify=_ssl_context(),
            )
        return client

    async def __aenter__(self) -> Particle:
        self._transport.check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections we own. Safe to call twice; a borrowed client stays open.

        A derived client (`with_options`) shares its parent's connections and lifecycle,
        so closing it closes nothing: close the parent.
        """
        if self._parent is not None:
            return
        if self._state.closed:
            return
        self._state.closed = True
        self._state.cancel_calls()
        # Shielded: a task cancelled while it leaves `async with Particle(...)` (Ctrl-C,
        # an app shutting down) must still release every connection. Bounded, as each
        # step is: a stream's reader lets go as soon as its own scope is cancelled.
        with anyio.CancelScope(shield=True):
            for stream in list(self._state.streams):
                await stream.aclose()
            for client in self._stream_pools.values():
                await client.aclose()
            if self._owns_http and self._http is not None:
                await self._http.aclose()

    # Resources: created on first use, one instance per client.
    @cached_property
    def devices(self) -> Devices:
        """Devices: list, get, claim, rename, ping, signal, variables, functions, protection."""

        from .resources.devices import Devices

        return Devices(self._transport)

    @cached_property
    def events(self) -> Events:
        """Events: publish, subscribe to a stream (`subscribe`), fan one stream out (`hub`)."""

        from .resources.events import Events

        return Events(self._transport, self.stream_http, self._stream_gate, self._stream_places)

    @cached_property
    def tokens(self) -> Tokens:
        """Access tokens: create (password, client, customer, refresh grants), list, revoke."""

        from .resources.tokens import Tokens

        return Tokens(self._transport)

    @cached_property
    def user(self) -> Users:
        """The account behind the token: profile, username, password, sign-up, deletion."""

        from .resources.user import Users

        return Users(self._transport)

    @cached_property
    def files(self) -> Files:
        """Download a file by its URL (library archives, usage reports), like `downloadFile`."""

        from .resources.files import Files

        return Files(self._transport)

    @cached_property
    def oauth_clients(self) -> OAuthClients:
        """OAuth clients of your account or a product: create, list, update, delete."""

        from .resources.oauth_clients import OAuthClients

        return OAuthClients(self._transport)

    @cached_property
    def mfa(self) -> Mfa:
        """Multi-factor authentication: enrol, confirm, disable, and the MFA login step."""

        from .resources.mfa import Mfa

        return Mfa(self._transport)

    @cached_property
    def customers(self) -> Customers:
        """A product's customers: create, list, set passwords, delete, customer tokens."""

        from .resources.customers import Customers

        return Customers(self._transport)

    @cached_property
    def organizations(self) -> Organizations:
        """The organizations you belong to and their products."""

        from .resources.organizations import Organizations

        return Organizations(self._transport)

    @cached_property
    def team(self) -> Team:
        """Team members and API users of a product or an organization."""

        from .resources.team import Team

        return Team(self._transport)

    @cached_property
    def diagnostics(self) -> Diagnostics:
        """Device vitals (remote diagnostics), with a refresh-and-wait helper."""

        from .resources.diagnostics import Diagnostics

        return Diagnostics(self._transport)

    @cached_property
    def sims(self) -> Sims:
        """SIM cards: list, import, activate, deactivate, release, data usage, status checks."""

        from .resources.sims import Sims

        return Sims(self._transport)

    @cached_property
    def usage(self) -> Usage:
        """Service agreements, usage reports and usage notices, yours or an org's."""

        from .resources.usage import Usage

        return Usage(self._transport)

    @cached_property
    def location(self) -> Location:
        """Where a product's asset trackers are, or have been."""

        from .resources.location import Location

        return Location(self._transport)

    @cached_property
    def configuration(self) -> Configuration:
        """Product and per-device configuration (Tracker-style) and their JSON Schemas."""

        from .resources.configuration import Configuration

        return Configuration(self._transport)

    @cached_property
    def device_groups(self) -> DeviceGroups:
        """A product's device groups, who is in them, and what a release would update."""

        from .resources.device_groups import DeviceGroups

        return DeviceGroups(self._transport)

    @cached_property
    def products(self) -> Products:
        """Products, their fleet-health metrics, and their devices (`products.devices`)."""

        from .resources.products import Products

        return Products(self._transport)

    @cached_property
    def firmware(self) -> Firmware:
        """Compile sources in the cloud, flash devices (source or binary), fetch binaries."""

        from .resources.firmware import Firmware

        return Firmware(self._transport)

    @cached_property
    def product_firmware(self) -> ProductFirmware:
        """A product's firmware: upload, list, edit, release, download, delete."""

        from .resources.product_firmware import ProductFirmware

        return ProductFirmware(self._transport)

    @cached_property
    def device_os(self) -> DeviceOS:
        """Device OS versions and the build targets you can compile against."""

        from .resources.device_os import DeviceOS

        return DeviceOS(self._transport)

    @cached_property
    def libraries(self) -> Libraries:
        """Firmware libraries: search, inspect, contribute, publish, delete."""

        from .resources.libraries import Libraries

        return Libraries(self._transport)

    @cached_property
    def integrations(self) -> Integrations:
        """Webhooks and other integrations, for your account or a product."""

        from .resources.integrations import Integrations

        return Integrations(self._transport)

    @cached_property
    def ledger(self) -> Ledger:
        """Ledger definitions, their instances (data per scope value) and versions."""

        from .resources.ledger import Ledger

        return Ledger(self._transport)

    @cached_property
    def logic(self) -> Logic:
        """Logic functions: run JavaScript in the cloud once, or save it with triggers."""

        from .resources.logic import Logic

        return Logic(self._transport)

    @cached_property
    def env_vars(self) -> EnvVars:
        """Environment variables of your sandbox, a device, a product or an org; rollouts."""

        from .resources.env_vars import EnvVars

        return EnvVars(self._transport)

    @cached_property
    def secrets(self) -> Secrets:
        """Cloud secrets of your sandbox or an organization, for integrations and Logic."""

        from .resources.secrets import Secrets

        return Secrets(self._transport)

    def __getstate__(self) -> Any:
        raise TypeError("Particle clients cannot be pickled (they hold live connections)")
