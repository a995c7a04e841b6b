"""`Particle`: configuration, lifecycle, and the resources hung off one client."""

from __future__ import annotations

import os
from functools import cached_property
from types import TracebackType
from typing import Any

import httpx

from ._clock import Clock
from ._errors import ClientClosedError
from ._ratelimit import RateLimiter
from ._redact import Secret
from ._retry import RetryPolicy
from ._transport import DEFAULT, Transport
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

__all__ = ["DEFAULT_BASE_URL", "Particle"]

DEFAULT_BASE_URL = "https://api.particle.io"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
TOKEN_ENV = "PARTICLE_ACCESS_TOKEN"
BASE_URL_ENV = "PARTICLE_API_BASE_URL"


def default_limiter() -> RateLimiter:
    """≈10 requests/s like the cloud's per-IP limit, bursts of 5, a 50 ms jitter guard."""
    return RateLimiter(10, per=1.0, burst=5, guard=0.05)


class Particle:
    """An asyncio client for the Particle Device Cloud.

    Use it as `async with Particle(token=...) as cloud:`, or call `await cloud.aclose()`
    yourself. It owns one `httpx.AsyncClient` for requests (unless you pass `http_client`,
    which is then yours to close) and a separate one for event streams, so long-lived
    streams never take connections from the request pool.

    `rate_limiter`: the default holds ≈10 requests/s; pass your own `RateLimiter` to share
    one budget between clients, or `None` to disable limiting.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT,
        rate_limiter: RateLimiter | None = DEFAULT,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
    ):
        token = token if token is not None else os.environ.get(TOKEN_ENV)
        self._token = Secret(token) if token else None
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
        self._stream_http: httpx.AsyncClient | None = None
        self._closed = False
        self.transport = Transport(
            http=self._http,
            base_url=self.base_url,
            token=self._token,
            limiter=default_limiter() if rate_limiter is DEFAULT else rate_limiter,
            retry=retry or RetryPolicy(),
            timeout=DEFAULT_TIMEOUT if timeout is DEFAULT else httpx.Timeout(timeout),
            clock=clock,
        )

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Particle {self.base_url} token={'set' if self._token else 'none'} {state}>"

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The limiter this client's requests wait on (None: no client-side limiting)."""
        return self.transport.limiter

    def use_token(self, token: str) -> None:
        """Switch this client to another access token (after a login, say)."""
        self._token = Secret(token)
        self.transport.token = self._token

    def stream_http(self) -> httpx.AsyncClient:
        """The client for event streams: no read timeout (we detect dead streams ourselves)."""
        self._check_open()
        if self._stream_http is None:
            self._stream_http = httpx.AsyncClient(
                timeout=httpx.Timeout(None, connect=10.0),
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
            )
        return self._stream_http

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError("this Particle client is closed")

    async def __aenter__(self) -> Particle:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections we own. Safe to call twice; a borrowed client stays open."""
        if self._closed:
            return
        self._closed = True
        self.transport.closed = True
        if self._stream_http is not None:
            await self._stream_http.aclose()
        if self._owns_http:
            await self._http.aclose()

    # Resources: created on first use, one instance per client.
    @cached_property
    def devices(self) -> Devices:
        """Devices: list, get, claim, rename, ping, signal, variables, functions, protection."""
        return Devices(self.transport)

    @cached_property
    def events(self) -> Events:
        """Events: publish, subscribe to a stream (`subscribe`), fan one stream out (`hub`)."""
        return Events(self.transport, self.stream_http)

    @cached_property
    def tokens(self) -> Tokens:
        """Access tokens: create (password, client, customer, refresh grants), list, revoke."""
        return Tokens(self.transport)

    @cached_property
    def user(self) -> Users:
        """The account behind the token: profile, username, password, sign-up, deletion."""
        return Users(self.transport)

    @cached_property
    def files(self) -> Files:
        """Download a file by its URL (library archives, usage reports), like `downloadFile`."""
        return Files(self.transport)

    @cached_property
    def oauth_clients(self) -> OAuthClients:
        """OAuth clients of your account or a product: create, list, update, delete."""
        return OAuthClients(self.transport)

    @cached_property
    def mfa(self) -> Mfa:
        """Multi-factor authentication: enrol, confirm, disable, and the MFA login step."""
        return Mfa(self.transport)

    @cached_property
    def customers(self) -> Customers:
        """A product's customers: create, list, set passwords, delete, customer tokens."""
        return Customers(self.transport)

    @cached_property
    def organizations(self) -> Organizations:
        """The organizations you belong to and their products."""
        return Organizations(self.transport)

    @cached_property
    def team(self) -> Team:
        """Team members and API users of a product or an organization."""
        return Team(self.transport)

    @cached_property
    def diagnostics(self) -> Diagnostics:
        """Device vitals (remote diagnostics), with a refresh-and-wait helper."""
        return Diagnostics(self.transport)

    @cached_property
    def sims(self) -> Sims:
        """SIM cards: list, import, activate, deactivate, release, data usage, status checks."""
        return Sims(self.transport)

    @cached_property
    def usage(self) -> Usage:
        """Service agreements, usage reports and usage notices, yours or an org's."""
        return Usage(self.transport)

    @cached_property
    def location(self) -> Location:
        """Where a product's asset trackers are, or have been."""
        return Location(self.transport)

    @cached_property
    def configuration(self) -> Configuration:
        """Product and per-device configuration (Tracker-style) and their JSON Schemas."""
        return Configuration(self.transport)

    @cached_property
    def device_groups(self) -> DeviceGroups:
        """A product's device groups, who is in them, and what a release would update."""
        return DeviceGroups(self.transport)

    @cached_property
    def products(self) -> Products:
        """Products, their fleet-health metrics, and their devices (`products.devices`)."""
        return Products(self.transport)

    @cached_property
    def firmware(self) -> Firmware:
        """Compile sources in the cloud, flash devices (source or binary), fetch binaries."""
        return Firmware(self.transport)

    @cached_property
    def product_firmware(self) -> ProductFirmware:
        """A product's firmware: upload, list, edit, release, download, delete."""
        return ProductFirmware(self.transport)

    @cached_property
    def device_os(self) -> DeviceOS:
        """Device OS versions and the build targets you can compile against."""
        return DeviceOS(self.transport)

    @cached_property
    def libraries(self) -> Libraries:
        """Firmware libraries: search, inspect, contribute, publish, delete."""
        return Libraries(self.transport)

    @cached_property
    def integrations(self) -> Integrations:
        """Webhooks and other integrations, for your account or a product."""
        return Integrations(self.transport)

    @cached_property
    def ledger(self) -> Ledger:
        """Ledger definitions, their instances (data per scope value) and versions."""
        return Ledger(self.transport)

    @cached_property
    def logic(self) -> Logic:
        """Logic functions: run JavaScript in the cloud once, or save it with triggers."""
        return Logic(self.transport)

    @cached_property
    def env_vars(self) -> EnvVars:
        """Environment variables of your sandbox, a device, a product or an org; rollouts."""
        return EnvVars(self.transport)

    @cached_property
    def secrets(self) -> Secrets:
        """Cloud secrets of your sandbox or an organization, for integrations and Logic."""
        return Secrets(self.transport)

    def __getstate__(self) -> Any:
        raise TypeError("Particle clients cannot be pickled (they hold live connections)")
