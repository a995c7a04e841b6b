"""Thread-safe in-memory state of the fake cloud: users, tokens, OAuth clients, devices,
products, organisations, and the record of published events and received requests.

The HTTP routes run on the server's own thread while tests mutate the same objects from
theirs, so every mutation goes through one re-entrant lock. The public record classes
(`FakeUser`, `FakeDevice`, ...) are the state itself, not copies: a test that keeps a
`FakeDevice` sees what the HTTP side did to it (`dev.calls`, `dev.name`).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, cast

DEFAULT_TOKEN_LIFETIME = 7_776_000  # seconds; what /oauth/token grants when not asked
RECORD_LIMIT = 100_000  # newest entries kept in `published` / `requests` (bounded for benchmarks)
CELLULAR_PLATFORMS = frozenset({10, 13, 23, 25, 26, 28, 35, 37})  # Electron, Boron, B SoM, ...

# The public clients Particle's own tools log in with (client ID -> secret): the docs and
# CLI v1 (`particle`), particle-api-js (`particle-api`), the CLI today (`CLI2`), the CLI's
# `token create` (`user`) and the Spark-era docs (`spark`). Their secrets are not secret.
PUBLIC_CLIENTS: Mapping[str, str] = {
    "particle": "particle",
    "particle-api": "particle-api",
    "CLI2": "CLI2",
    "user": "user",
    "spark": "spark",
}
# Which `/oauth/token` grants each kind of client may use. Public clients log users in;
# an `installed` client (a mobile or desktop app, or a server) also gets
# `client_credentials` tokens acting for its owner; a `web` client is the three-legged
# flow's: an authorization code, never a user's password.
GRANTS: Mapping[str, frozenset[str]] = {
    "public": frozenset({"password", "refresh_token"}),
    "installed": frozenset({"password", "refresh_token", "client_credentials"}),
    "web": frozenset({"authorization_code", "refresh_token", "client_credentials"}),
}
CORE_GRANTS = frozenset().union(*GRANTS.values())

T = TypeVar("T")
VariableValue = Any  # a JSON scalar, or a zero-argument callable evaluated on each read
FunctionHandler = Callable[[str], int]
EventSink = Callable[["FakeEvent"], None]


def utcnow() -> datetime:
    """Timestamps are UTC and aware, so `iso_ms` never guesses a zone."""
    return datetime.now(timezone.utc)


def iso_ms(moment: datetime) -> str:
    """The cloud's timestamp format: ISO 8601, millisecond precision, `Z` suffix."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_token() -> str:
    """Access and refresh tokens are 40 hex characters, like the real ones."""
    return secrets.token_hex(20)


def new_id() -> str:
    """Device, user and organisation IDs are 24 hex characters."""
    return secrets.token_hex(12)


@dataclass(frozen=True, slots=True)
class FakeEvent:
    """One published event, as every stream that matches it sees it."""

    name: str
    data: str
    ttl: int
    private: bool
    coreid: str  # the publishing device's ID, or "api" for events published over the API
    owner: str | None  # username whose "my devices" streams receive it
    product_id: int | None = None
    version: int | None = None  # product firmware version, for product devices' events
    published_at: datetime = field(default_factory=utcnow)


@dataclass(eq=False, kw_only=True)
class FakeUser:
    """An account. `token` is the access token created with it (others can be added)."""

    username: str
    password: str = field(repr=False)
    token: str = field(repr=False)
    id: str = field(default_factory=new_id)
    account_info: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False, kw_only=True)
class TokenRecord:
    token: str = field(repr=False)
    username: str
    client: str
    expires_at: datetime | None  # None: never expires
    refresh_token: str | None = field(default=None, repr=False)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass(eq=False, kw_only=True)
class OAuthClient:
    """`owner` is who a client_credentials token acts for; public clients have none.
    `kind` ("public", "installed" or "web") decides the grants it may use."""

    id: str
    secret: str = field(repr=False)
    owner: str | None = None
    product_id: int | None = None
    kind: str = "installed"

    @property
    def grants(self) -> frozenset[str]:
        return GRANTS.get(self.kind, frozenset())


@dataclass(eq=False, kw_only=True)
class FakeOrg:
    id: str
    slug: str
    name: str
    members: set[str] = field(default_factory=set)


@dataclass(eq=False, kw_only=True)
class FakeProduct:
    id: int
    slug: str
    name: str
    platform_id: int = 6
    description: str = ""
    org: str | None = None  # slug of the owning FakeOrg
    members: set[str] = field(default_factory=set)  # usernames on the product team


@dataclass(eq=False, kw_only=True)
class FakeDevice:
    """A device. Variables hold values or zero-argument callables (evaluated on every
    read, and by device listings to report their type); functions map `arg -> int` and
    may raise `TimeoutError` to make the cloud answer 408. Both run on the server's
    thread, so keep them quick. `calls` records every `(function, arg)` the cloud
    delivered, for assertions."""

    id: str
    name: str
    owner: str | None
    product_id: int | None
    platform_id: int
    online: bool
    variables: dict[str, VariableValue] = field(default_factory=dict)
    functions: dict[str, FunctionHandler] = field(default_factory=dict, repr=False)
    notes: str | None = None
    calls: list[tuple[str, str]] = field(default_factory=list, repr=False)
    development: bool = False
    quarantined: bool = False
    denied: bool = False
    signaling: bool = False
    firmware_updates_forced: bool = False
    protected: bool = False  # device protection on: unprotect must be confirmed
    groups: list[str] = field(default_factory=list)
    firmware_version: int | None = None
    desired_firmware_version: int | None = None
    system_firmware_version: str = "6.1.1"
    serial_number: str = ""
    iccid: str | None = None
    last_ip_address: str = "10.0.0.2"
    last_heard: datetime = field(default_factory=utcnow)
    last_handshake_at: datetime = field(default_factory=utcnow)
    _cloud: CloudState = field(repr=False)

    @property
    def cellular(self) -> bool:
        """Whether the device's platform is a cellular one (Electron, Boron, B SoM, ...)."""
        return self.platform_id in CELLULAR_PLATFORMS

    def set_variable(self, name: str, value: VariableValue) -> None:
        """Set (or add) a variable; the next read returns the new value."""
        with self._cloud.lock:
            self.variables[name] = value

    def read_variable(self, name: str) -> Any:
        """The current value; a callable is evaluated now (it may raise TimeoutError)."""
        with self._cloud.lock:
            value = self.variables[name]
        return value() if callable(value) else value

    def publish(
        self, name: str, data: str | None = None, *, ttl: int = 60, private: bool = True
    ) -> FakeEvent:
        """Publish as this device: every open stream whose scope and prefix match gets it."""
        with self._cloud.lock:
            self.last_heard = utcnow()
            event = FakeEvent(
                name=name,
                data="" if data is None else data,
                ttl=ttl,
                private=private,
                coreid=self.id,
                owner=self.owner,
                product_id=self.product_id,
                version=self.firmware_version if self.product_id is not None else None,
            )
        self._cloud.publish(event)
        return event

    def go_offline(self) -> None:
        """Disconnect, announcing it with the `spark/status` event the cloud sends."""
        with self._cloud.lock:
            self.online = False
        self.publish("spark/status", "offline")

    def go_online(self) -> None:
        """Bring the device online, publishing `spark/status` `online` as the cloud does."""
        with self._cloud.lock:
            self.online = True
            self.last_handshake_at = utcnow()
        self.publish("spark/status", "online")


class CloudState:
    """All the fake cloud knows. `sink` receives each published event (the stream registry).

    The fake's clock: `now()` is `start_time` plus however far `clock` (monotonic
    seconds, injectable) has moved since, so a test that moves its clock ages tokens.
    """

    def __init__(
        self,
        sink: EventSink | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        start_time: datetime | None = None,
        public_clients: Mapping[str, str] = PUBLIC_CLIENTS,
    ) -> None:
        self.lock = threading.RLock()
        self.sink = sink
        self.clock = clock
        self._started = (start_time or utcnow(), clock())
        self.users: dict[str, FakeUser] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.refresh_tokens: dict[str, TokenRecord] = {}
        self.clients: dict[str, OAuthClient] = {}
        self.devices: dict[str, FakeDevice] = {}
        self.products: dict[int, FakeProduct] = {}
        self.orgs: dict[str, FakeOrg] = {}
        self._areas: dict[type[Any], Any] = {}
        self._published: deque[FakeEvent] = deque(maxlen=RECORD_LIMIT)
        self._requests: deque[tuple[str, str]] = deque(maxlen=RECORD_LIMIT)
        for client_id, secret in public_clients.items():
            self.clients[client_id] = OAuthClient(id=client_id, secret=secret, kind="public")

    def now(self) -> datetime:
        """The fake's wall clock (aware UTC)."""
        start, at = self._started
        return start + timedelta(seconds=self.clock() - at)

    def area(self, kind: type[T]) -> T:
        """The in-memory store of one API area, created (`kind()`) on first use.

        Areas beyond the core (SIMs, ledgers, webhooks, ...) keep their records in a class
        of their own routes module, so adding an area changes nothing here. Tests reach the
        same store through `FakeCloud.area(kind)`.
        """
        with self.lock:
            store = self._areas.get(kind)
            if store is None:
                store = self._areas[kind] = kind()
            return cast(T, store)

    # users and tokens -------------------------------------------------------------------

    def add_user(self, username: str, password: str) -> FakeUser:
        with self.lock:
            if username in self.users:
                raise ValueError(f"user {username!r} already exists")
            user = FakeUser(username=username, password=password, token="")
            self.users[username] = user
            user.token = self.issue_token(user, client="particle").token
            return user

    def check_password(self, username: str, password: str) -> FakeUser | None:
        with self.lock:
            user = self.users.get(username)
        if user is None or not secrets.compare_digest(user.password.encode(), password.encode()):
            return None
        return user

    def issue_token(
        self, user: FakeUser, *, client: str, expires_in: int | None = DEFAULT_TOKEN_LIFETIME
    ) -> TokenRecord:
        """`expires_in` of 0 or None makes a token that never expires, as the docs say."""
        expires_at = self.now() + timedelta(seconds=expires_in) if expires_in else None
        record = TokenRecord(
            token=new_token(),
            username=user.username,
            client=client,
            expires_at=expires_at,
            refresh_token=new_token(),
        )
        with self.lock:
            self.tokens[record.token] = record
            assert record.refresh_token is not None
            self.refresh_tokens[record.refresh_token] = record
        return record

    def token_owner(self, token: str) -> FakeUser | None:
        with self.lock:
            record = self.tokens.get(token)
            if record is None or record.expired(self.now()):
                return None
            return self.users.get(record.username)

    def tokens_of(self, user: FakeUser) -> list[TokenRecord]:
        with self.lock:
            return [t for t in self.tokens.values() if t.username == user.username]

    def revoke(self, tokens: Iterable[str]) -> int:
        with self.lock:
            gone = [self.tokens.pop(t, None) for t in list(tokens)]
            for record in gone:
                if record is not None and record.refresh_token is not None:
                    self.refresh_tokens.pop(record.refresh_token, None)
            return sum(record is not None for record in gone)

    def rename_user(self, user: FakeUser, username: str) -> None:
        """Change the login; tokens, devices and teams follow the account."""
        with self.lock:
            if username in self.users:
                raise ValueError(f"user {username!r} already exists")
            old = user.username
            self.users[username] = self.users.pop(old)
            user.username = username
            for record in self.tokens.values():
                record.username = username if record.username == old else record.username
            for device in self.devices.values():
                device.owner = username if device.owner == old else device.owner
            for client in self.clients.values():
                client.owner = username if client.owner == old else client.owner
            teams: list[FakeProduct | FakeOrg] = [*self.products.values(), *self.orgs.values()]
            for team in teams:
                if old in team.members:
                    team.members = (team.members - {old}) | {username}

    def add_client(self, client: OAuthClient) -> OAuthClient:
        with self.lock:
            self.clients[client.id] = client
            return client

    # devices, products, organisations ---------------------------------------------------

    def add_device(
        self,
        *,
        owner: str | None,
        product_id: int | None = None,
        platform_id: int = 6,
        online: bool = True,
        id: str | None = None,
        name: str | None = None,
        **fields: Any,
    ) -> FakeDevice:
        """A device with realistic defaults: a fresh ID, a serial, an ICCID when cellular,
        firmware version 1 inside a product."""
        with self.lock:
            device_id = (id or new_id()).lower()
            if device_id in self.devices:
                raise ValueError(f"device {device_id} already exists")
            if product_id is not None and product_id not in self.products:
                raise ValueError(f"no product {product_id}; add it first")
            fields.setdefault("serial_number", f"P{platform_id:03d}AB{device_id[-10:].upper()}")
            if platform_id in CELLULAR_PLATFORMS:
                fields.setdefault("iccid", "89014" + str(int(device_id[-12:], 16)).zfill(15)[:15])
            if product_id is not None:
                fields.setdefault("firmware_version", 1)
            device = FakeDevice(
                id=device_id,
                name=name or f"device-{len(self.devices) + 1}",
                owner=owner,
                product_id=product_id,
                platform_id=platform_id,
                online=online,
                _cloud=self,
                **fields,
            )
            self.devices[device_id] = device
            return device

    def find_device(self, key: str, username: str | None = None) -> FakeDevice | None:
        """By ID, else by name among `username`'s devices (the API accepts either)."""
        with self.lock:
            device = self.devices.get(key.lower())
            if device is not None or username is None:
                return device
            named = (d for d in self.devices.values() if d.owner == username and d.name == key)
            return next(named, None)

    def add_product(self, product: FakeProduct) -> FakeProduct:
        with self.lock:
            if product.id in self.products:
                raise ValueError(f"product {product.id} already exists")
            self.products[product.id] = product
            return product

    def find_product(self, key: str) -> FakeProduct | None:
        """`key` is a product ID or slug, as everywhere in the API."""
        with self.lock:
            if key.isdigit() and int(key) in self.products:
                return self.products[int(key)]
            return next((p for p in self.products.values() if p.slug == key), None)

    def add_org(self, org: FakeOrg) -> FakeOrg:
        with self.lock:
            self.orgs[org.slug] = org
            return org

    def find_org(self, key: str) -> FakeOrg | None:
        with self.lock:
            return self.orgs.get(key) or next((o for o in self.orgs.values() if o.id == key), None)

    # list copies taken under the lock, so routes iterate without racing mutations
    def all_devices(self) -> list[FakeDevice]:
        with self.lock:
            return list(self.devices.values())

    def all_products(self) -> list[FakeProduct]:
        with self.lock:
            return list(self.products.values())

    def all_orgs(self) -> list[FakeOrg]:
        with self.lock:
            return list(self.orgs.values())

    # events and requests ----------------------------------------------------------------

    def publish(self, event: FakeEvent) -> None:
        with self.lock:
            self._published.append(event)
        if self.sink is not None:
            self.sink(event)

    def record_request(self, method: str, path: str) -> None:
        with self.lock:
            self._requests.append((method, path))

    @property
    def published(self) -> list[FakeEvent]:
        with self.lock:
            return list(self._published)

    @property
    def requests(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self._requests)
