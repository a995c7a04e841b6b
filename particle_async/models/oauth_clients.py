"""Models of OAuth clients."""

from __future__ import annotations

import attrs

from ._base import Model, as_int, as_str, wire

__all__ = ["OAuthClient"]


@attrs.frozen(kw_only=True)
class OAuthClient(Model):
    """An OAuth client (an app). `secret` is only ever sent once, at creation (hidden).

    Attributes:
        id: the client id (use it with its secret to get tokens).
        name: its name.
        type: `installed`, `web` or `mobile`.
        redirect_uri: where a `web` client's users are sent back to.
        scope: what its tokens may do (`create_customer`, `none`, ...).
        product_id: the product it belongs to, if any.
        secret: the client secret, sent only in the create answer (hidden from repr).
    """

    id: str = wire(convert=str, default="")
    name: str | None = wire(convert=as_str)
    type: str | None = wire(convert=as_str)
    redirect_uri: str | None = wire(convert=as_str)
    scope: str | None = wire(convert=as_str)
    product_id: int | None = wire(convert=as_int)
    secret: str | None = wire(convert=as_str, repr=False)
