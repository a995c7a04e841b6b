"""What the cloud sends for one event and one webhook, rendered the way the webhook
reference describes it: the mustache variables, then the method, URL, query, headers,
auth and body built from the integration's settings, and the `hook-response` chunks
built from the answer.

Templates are rendered with pystache (a maintained implementation of the mustache spec,
the language Particle documents), never by string replacement, so sections (`{{#a}}`),
inverted sections, dotted names and HTML escaping of `{{double}}` braces all behave as
in the cloud. Three adaptations make Python values render as mustache.js renders the
JSON the cloud parsed: `true`/`false` instead of `True`/`False`, nothing for `null`, and
numeric path segments (`{{{results.0.elevation}}}`) indexing into arrays.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pystache

from ._state import FakeEvent, iso_ms

USER_AGENT = "ParticleBot/1.1 (https://docs.particle.io/webhooks)"
CHUNK_SIZE = 512  # bytes per hook-response event
MAX_RESPONSE = 100 * 1024  # bytes of a response published back, at most
BODY_METHODS = frozenset({"POST", "PUT"})  # GET and DELETE carry their data in the query
USER_RESPONSE_TOPIC = "hook-response/{{{PARTICLE_EVENT_NAME}}}"
PRODUCT_RESPONSE_TOPIC = "{{{PARTICLE_DEVICE_ID}}}/hook-response/{{{PARTICLE_EVENT_NAME}}}"
ERROR_TOPIC = "hook-error/{{{PARTICLE_EVENT_NAME}}}"

# `partials={}`: a `{{> name}}` tag renders nothing instead of reading a file from disk.
_renderer = pystache.Renderer(missing_tags="ignore", partials={})


class TemplateError(ValueError):
    """A template pystache cannot parse (an unclosed section, say)."""


@dataclass(frozen=True)
class Trigger:
    """One published event on its way to webhooks, with what the variables need that the
    event itself does not carry. Shared by every integration it matches and by retries,
    so `PARTICLE_EVENT_ID` is the same for all of them."""

    event: FakeEvent
    event_id: str
    reported_product_id: int | None  # the product, or a sandbox device's platform ID
    owner_id: str | None  # the owning user's ID (PRODUCT_USER_ID)


@dataclass(frozen=True)
class OutboundRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    verify: bool = True  # `rejectUnauthorized`

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class _Headers:
    """Request headers, case-insensitive, in insertion order; later values win."""

    items: dict[str, tuple[str, str]] = field(default_factory=dict)

    def set(self, name: str, value: str) -> None:
        self.items[name.lower()] = (name, value)

    def freeze(self) -> tuple[tuple[str, str], ...]:
        return tuple(self.items.values())


# -- the mustache context ----------------------------------------------------------------


class _JsonList(list[Any]):
    """A JSON array whose elements are also reachable as `.0`, `.1`, ... in a dotted name,
    as they are in mustache.js. Still a list, so `{{#items}}` iterates it."""

    def __getattr__(self, name: str) -> Any:
        if name.isdigit() and int(name) < len(self):
            return self[int(name)]
        raise AttributeError(name)


class _JsonLiteral:
    """`true`, `false` or `null` from JSON: truthy as in JavaScript, rendered as
    mustache.js renders them (`null` renders as nothing)."""

    def __init__(self, value: bool | None) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __str__(self) -> str:
        return "" if self.value is None else ("true" if self.value else "false")


def _adapt(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _adapt(v) for k, v in value.items()}
    if isinstance(value, list):
        return _JsonList(_adapt(v) for v in value)
    if value is None or isinstance(value, bool):
        return _JsonLiteral(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # JavaScript prints 21.0 as "21"
    return value


def event_envelope(event: FakeEvent) -> dict[str, Any]:
    """The event as one JSON object: `PARTICLE_EVENT_JSON`, and the shape of the default
    JSON fields (`event`, `data`, `published_at`, `coreid`) plus what a stream carries."""
    envelope: dict[str, Any] = {
        "event": event.name,
        "data": event.data,
        "published_at": iso_ms(event.published_at),
        "coreid": event.coreid,
        "ttl": event.ttl,
        "public": not event.private,
    }
    if event.product_id is not None:
        envelope["productID"] = event.product_id
        if event.version is not None:
            envelope["version"] = event.version
    return envelope


def variables(trigger: Trigger, *, product_scope: bool) -> dict[str, Any]:
    """The documented variables, on top of the keys of the event's data when the data is
    a JSON object (the "custom variables")."""
    event = trigger.event
    published = iso_ms(event.published_at)
    whole = json.dumps(event_envelope(event), separators=(",", ":"), ensure_ascii=False)
    predefined: dict[str, Any] = {
        "PARTICLE_DEVICE_ID": event.coreid,
        "PARTICLE_EVENT_NAME": event.name,
        "PARTICLE_EVENT_VALUE": event.data,
        "PARTICLE_PUBLISHED_AT": published,
        "PARTICLE_EVENT_ID": trigger.event_id,
        "PARTICLE_EVENT_JSON": whole,
        "PARTICLE_EVENT_BASE64": base64.b64encode(whole.encode()).decode(),
        "PRODUCT_ID": "" if trigger.reported_product_id is None else trigger.reported_product_id,
        # the names of the first era, still accepted
        "SPARK_CORE_ID": event.coreid,
        "SPARK_EVENT_NAME": event.name,
        "SPARK_EVENT_VALUE": event.data,
        "SPARK_PUBLISHED_AT": published,
    }
    if product_scope:
        predefined["PRODUCT_USER_ID"] = trigger.owner_id or ""
        predefined["PRODUCT_VERSION"] = "" if event.version is None else event.version
    return {**_custom_variables(event.data), **predefined}


def _custom_variables(data: str) -> dict[str, Any]:
    try:
        parsed = json.loads(data)
    except ValueError:
        return {}
    adapted = _adapt(parsed)
    return adapted if isinstance(adapted, dict) else {}


def render(template: str, context: Mapping[str, Any]) -> str:
    try:
        rendered: str = _renderer.render(template, context)
    except pystache.parser.ParsingError as exc:
        raise TemplateError(f"template {template[:60]!r} does not parse: {exc}") from None
    return rendered


def _render_tree(template: Any, context: Mapping[str, Any]) -> Any:
    """A JSON template: every string, key or value, rendered; other values kept."""
    if isinstance(template, str):
        return render(template, context)
    if isinstance(template, Mapping):
        return {render(str(k), context): _render_tree(v, context) for k, v in template.items()}
    if isinstance(template, list):
        return [_render_tree(v, context) for v in template]
    return template


def _pairs(template: Any, context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Form fields, query parameters: a JSON object of names to values, both rendered."""
    if not isinstance(template, Mapping):
        return []
    return [(render(str(k), context), _form_value(v, context)) for k, v in template.items()]


def _form_value(value: Any, context: Mapping[str, Any]) -> str:
    if isinstance(value, str):
        return render(value, context)
    if isinstance(value, (Mapping, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(_adapt(value))


# -- the request -------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _maybe_json(value: Any) -> Any:
    """Settings sent form-encoded arrive as text: `headers={"a":"b"}` means the object."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def build_request(settings: Mapping[str, Any], context: Mapping[str, Any]) -> OutboundRequest:
    """The request the cloud makes, as the reference's "Default data" and "Request
    format" sections lay it out: GET and DELETE put the default fields and `form` in the
    query; POST and PUT send `json`, `form` or `body`, with the default fields added to
    JSON and form bodies unless `noDefaults` is set."""
    method = str(settings.get("requestType", "POST")).upper()
    defaults = [] if _truthy(settings.get("noDefaults", False)) else _default_fields(context)
    headers = _Headers()
    headers.set("User-Agent", USER_AGENT)
    query = _pairs(_maybe_json(settings.get("query")), context)
    body = b""
    if method not in BODY_METHODS:
        query = [*defaults, *_pairs(_maybe_json(settings.get("form")), context), *query]
    elif "json" in settings:
        headers.set("Accept", "application/json")
        headers.set("Content-Type", "application/json")
        body = _json_body(_maybe_json(settings["json"]), context, defaults)
    elif "body" in settings:
        body = render(str(settings["body"]), context).encode()
    else:
        fields = dict(defaults)
        fields.update(_pairs(_maybe_json(settings.get("form")), context))
        headers.set("Content-Type", "application/x-www-form-urlencoded")
        body = urlencode(list(fields.items())).encode()
    _auth(_maybe_json(settings.get("auth")), context, headers)
    for name, value in _pairs(_maybe_json(settings.get("headers")), context):
        headers.set(name, value)
    return OutboundRequest(
        method=method,
        url=_with_query(render(str(settings.get("url", "")), context), query),
        headers=headers.freeze(),
        body=body,
        verify=_truthy(settings.get("rejectUnauthorized", True)),
    )


def _default_fields(context: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        ("event", str(context["PARTICLE_EVENT_NAME"])),
        ("data", str(context["PARTICLE_EVENT_VALUE"])),
        ("published_at", str(context["PARTICLE_PUBLISHED_AT"])),
        ("coreid", str(context["PARTICLE_DEVICE_ID"])),
    ]


def _json_body(template: Any, context: Mapping[str, Any], defaults: list[tuple[str, str]]) -> bytes:
    """A JSON object template is rendered value by value; a string template is rendered
    as text first (it may be JSON only once rendered), then parsed to add the defaults."""
    if isinstance(template, str):
        text = render(template, context)
        try:
            parsed = json.loads(text)
        except ValueError:
            return text.encode()
        if not (isinstance(parsed, dict) and defaults):
            return text.encode()
        rendered: Any = parsed
    else:
        rendered = _render_tree(template, context)
    if isinstance(rendered, dict) and defaults:
        rendered = {**dict(defaults), **rendered}
    return json.dumps(rendered, separators=(",", ":"), ensure_ascii=False).encode()


def _auth(template: Any, context: Mapping[str, Any], headers: _Headers) -> None:
    if not isinstance(template, Mapping) or not template.get("username"):
        return
    user = render(str(template.get("username", "")), context)
    password = render(str(template.get("password", "")), context)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    headers.set("Authorization", f"Basic {token}")


def _with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(pairs)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


# -- what goes back to the device --------------------------------------------------------


def response_topic(settings: Mapping[str, Any], context: Mapping[str, Any], product: bool) -> str:
    default = PRODUCT_RESPONSE_TOPIC if product else USER_RESPONSE_TOPIC
    return render(str(settings.get("responseTopic") or default), context)


def error_topic(settings: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    return render(str(settings.get("errorResponseTopic") or ERROR_TOPIC), context)


def response_chunks(body: bytes, settings: Mapping[str, Any]) -> list[str]:
    """The first 100 KB of the answer (through `responseTemplate` when the answer is JSON)
    in pieces of at most 512 bytes, cut between characters, never inside one. An empty
    answer is one empty chunk, so the device still learns the hook succeeded."""
    text = body[:MAX_RESPONSE].decode("utf-8", "replace")
    template = _maybe_json(settings.get("responseTemplate"))
    if template:
        try:
            context = _adapt(json.loads(text))
        except ValueError:
            context = None
        if isinstance(context, dict):
            rendered = _render_tree(template, context)
            text = rendered if isinstance(rendered, str) else json.dumps(rendered)
    if _truthy(settings.get("unchunked", False)):
        return [text]
    return [piece.decode() for piece in split_utf8(text.encode(), CHUNK_SIZE)] or [""]


def split_utf8(data: bytes, size: int) -> list[bytes]:
    """`data` in pieces of at most `size` bytes, each valid UTF-8 on its own."""
    pieces: list[bytes] = []
    start = 0
    while start < len(data):
        end = min(start + size, len(data))
        while end < len(data) and end > start and (data[end] & 0xC0) == 0x80:
            end -= 1  # back off a continuation byte: the cut goes before its character
        pieces.append(data[start:end])
        start = end
    return pieces
