"""What every resource shares: the transport, safe path building, product scoping."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from .._errors import ConfigurationError, ParticleError, ResponseDecodeError
from .._transport import Transport, current_endpoint, forget_endpoint

__all__ = [
    "ProductId",
    "Resource",
    "drop_none",
    "iso_time",
    "items",
    "ok",
    "path",
    "scoped",
    "unwrap",
]

ProductId = int | str
"""A product's numeric id or its slug: every product-scoped call accepts either."""


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
"""A segment `quote(..., safe="")` leaves as it is (device ids, most names): not quoted."""


def path(template: str, *parts: object) -> str:
    """Fill `{}` slots with URL-escaped segments, so a name with `/` or `?` stays one segment."""
    return template.format(*[_segment(p) for p in parts])


def _segment(part: object) -> str:
    if type(part) is str and _PLAIN(part):
        return part
    return quote(str(part), safe="")


def scoped(product: ProductId | None, user_path: str, *parts: object) -> str:
    """`/v1/<user_path>` or, for a product, `/v1/products/:product/<user_path>`."""
    if product is None:
        return path("/v1/" + user_path, *parts)
    return path("/v1/products/{}/" + user_path, product, *parts)


def iso_time(value: datetime | str | None) -> str | None:
    """A date or time parameter as ISO 8601 text (strings pass through as given)."""
    return value.isoformat() if isinstance(value, datetime) else value


def unwrap(body: Any, key: str) -> Any:
    """`body[key]` when the answer wraps its payload (an object or a list) in `key`, else
    the answer itself: many endpoints answer `{"thing": {...}}` in one era and bare in another."""
    if isinstance(body, Mapping) and isinstance(body.get(key), (Mapping, list)):
        return body[key]
    return body


def items(body: Any, key: str) -> Any:
    """The list under `key` of a wrapped answer (empty when absent), or a bare list."""
    return body.get(key, []) if isinstance(body, Mapping) else body


def ok(body: Any) -> bool:
    """`{ok: ...}` answers as a bool; an empty body (204) or one without `ok` is success."""
    return bool(body.get("ok", True)) if isinstance(body, Mapping) else True


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON body without the optional parameters the caller left out."""
    return {k: v for k, v in values.items() if v is not None}


_UNTYPED = (KeyError, TypeError, AttributeError, ValueError, IndexError, OverflowError)


def _untyped(exc: Exception) -> ParticleError:
    """A stray Python error as ours: after an answer came back it is the answer's shape
    (`ResponseDecodeError` naming the endpoint); before, it is the arguments."""
    endpoint = current_endpoint()
    detail = f"{type(exc).__name__}: {exc}"
    if endpoint:
        return ResponseDecodeError(f"unexpected answer from {endpoint} ({detail})")
    return ConfigurationError(f"invalid arguments ({detail})")


def typed_errors(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wrap a resource coroutine so that only `ParticleError`s (or cancellation) leave it."""

    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        forget_endpoint()
        try:
            return await method(*args, **kwargs)
        except ParticleError:
            raise
        except _UNTYPED as exc:
            raise _untyped(exc) from exc

    return call


class Resource:
    """Base of `cloud.devices`, `cloud.events`, ...: a thin, typed face over `Transport`.

    Every public coroutine of a subclass is wrapped by `typed_errors` when the class is
    made, so the promise "only `ParticleError` leaves a public call" holds for each new
    method without anyone remembering it.
    """

    def __init__(self, transport: Transport):
        self._transport = transport

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        wrapped: dict[Any, Any] = {}  # an alias (`send_otp = login`) stays the same object
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and inspect.iscoroutinefunction(value):
                if value not in wrapped:
                    wrapped[value] = typed_errors(value)
                setattr(cls, name, wrapped[value])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._transport.base_url}>"
