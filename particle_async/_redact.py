"""Keeping access tokens out of URLs, messages, reprs and logs.

The token normally travels only in the `Authorization` header, which we never log or
echo. These helpers are the second line of defence for text we do show: any URL query
or form field named like a credential is masked, as is every token a `Secret` was made
for in this process (a user may paste one into a device name or an event).
"""

from __future__ import annotations

import logging
import re
import weakref
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "RedactingFilter",
    "Secret",
    "install_log_redaction",
    "redact_text",
    "redact_url",
]

MASK = "***"
_CREDENTIAL_KEYS = frozenset(
    {"access_token", "token", "password", "client_secret", "refresh_token"}
)
_INLINE = re.compile(
    r"(?i)(access_token=|refresh_token=|client_secret=|password=|bearer\s+)[^\s&\"',;]+"
)
_TOKEN_PATH = re.compile(r"(/access_tokens/)(?!current\b)[^/?#\s]+")
_live: weakref.WeakSet[Secret] = weakref.WeakSet()


class Secret:
    """A string that never shows itself: repr and str print a mask, not the value."""

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str):
        self._value = value
        _live.add(self)

    def get(self) -> str:
        """The real value: call only where it is sent over the wire."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def redact_text(text: str) -> str:
    """Mask inline credentials and every live `Secret` value found in `text`."""
    text = _INLINE.sub(lambda m: m.group(1) + MASK, text)
    text = _TOKEN_PATH.sub(lambda m: m.group(1) + MASK, text)
    for secret in list(_live):
        value = secret.get()
        if len(value) >= 8 and value in text:
            text = text.replace(value, MASK)
    return text


def redact_url(url: str) -> str:
    """The URL with credential query parameters and userinfo masked."""
    parts = urlsplit(url)
    query = urlencode(
        [
            (k, MASK if k.lower() in _CREDENTIAL_KEYS else v)
            for k, v in parse_qsl(parts.query, True)
        ],
        safe="*",
    )
    netloc = parts.netloc.rsplit("@", 1)[-1] if "@" in parts.netloc else parts.netloc
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


class RedactingFilter(logging.Filter):
    """Masks tokens in the records other libraries write about our requests.

    httpx logs every request URL at INFO (`HTTP Request: DELETE .../access_tokens/<token>`),
    and some API paths must carry a token. The record is formatted once, here, and its
    masked text replaces the message, so no handler anywhere can see the original.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


_LIBRARY_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)
_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Put the filter on the loggers of the HTTP stack (filters do not inherit)."""
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
