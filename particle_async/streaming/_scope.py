"""Which URL a subscription opens: one function for every stream scope the API has."""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["stream_path"]


def stream_path(
    prefix: str = "",
    *,
    device: str | None = None,
    product: int | str | None = None,
    org: str | None = None,
    public: bool = False,
) -> str:
    """The event-stream path for a scope; the prefix is one URL-escaped segment.

    public          -> /v1/events/:prefix (the public firehose; the API requires a prefix)
    (default)       -> /v1/devices/events[/:prefix]          all of my devices
    device          -> /v1/devices/:id/events[/:prefix]
    product         -> /v1/products/:p/events[/:prefix]
    product, device -> /v1/products/:p/devices/:id/events[/:prefix]
    org             -> /v1/orgs/:org/events, .../devices/:id/events, .../products/:p/events
    """
    segments = _scope(device=device, product=product, org=org, public=public, prefix=prefix)
    path = "/v1" + "".join("/" + quote(str(s), safe="") for s in segments) + "/events"
    return path + "/" + quote(prefix, safe="") if prefix else path


def _scope(
    *, device: str | None, product: int | str | None, org: str | None, public: bool, prefix: str
) -> list[object]:
    if public:
        if device or product or org:
            raise ValueError("public=True is the firehose: it takes no device, product or org")
        if not prefix:
            raise ValueError("the public firehose needs an event name prefix")
        return []
    if org is not None:
        if device and product:
            raise ValueError("org streams take a device or a product, not both")
        tail: list[object] = (
            ["devices", device] if device else ["products", product] if product else []
        )
        return ["orgs", org, *tail]
    if product is not None:
        return ["products", product, "devices", device] if device else ["products", product]
    return ["devices", device] if device else ["devices"]
