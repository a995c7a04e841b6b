"""Multi-factor authentication: enrolment (`/v1/user/mfa-enable`, `/v1/user/mfa-disable`),
the `mfa_required` 403 a password login gets once MFA is on, and the `urn:custom:mfa-otp`
grant that finishes such a login (both grant hooks on `/oauth/token`).

MFA is TOTP (RFC 6238: SHA-1, 30 s steps, 6 digits) over the base-32 `secret` enrolment
returns, so a test computes its OTP with `totp(secret)`, as an authenticator app would;
each of the ten recovery codes from the confirmation works once in place of an OTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import CloudState, FakeUser, OAuthClient
from .._wire import ApiError, Ctx, api, as_bool, fail, json_response, oauth_fail
from . import auth

RECOVERY_CODES = 10
MFA_LOGIN_LIFETIME = 300.0  # seconds an `mfa_token` from a password login stays usable
OTP_GRACE_STEPS = 1  # a code from the step before or after is still accepted (clock skew)


def totp(secret: str, at: float | None = None) -> str:
    """The 6-digit TOTP of base-32 `secret` at time `at` (default: now)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    return _hotp(key, int((time.time() if at is None else at) // 30))


def _hotp(key: bytes, counter: int) -> str:
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(int.from_bytes(mac[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


@dataclass
class MfaEnrollment:
    secret: str
    recovery_codes: set[str] = field(default_factory=set)

    def accepts(self, otp: str) -> bool:
        """A current TOTP, or an unused recovery code (which is then spent)."""
        otp = otp.strip()
        key = base64.b32decode(self.secret)
        now = int(time.time() // 30)
        window = range(now - OTP_GRACE_STEPS, now + OTP_GRACE_STEPS + 1)
        if any(hmac.compare_digest(_hotp(key, step), otp) for step in window):
            return True
        if otp in self.recovery_codes:
            self.recovery_codes.discard(otp)
            return True
        return False


@dataclass(frozen=True)
class PendingLogin:
    username: str
    lifetime: int
    deadline: float


@dataclass
class MfaArea:
    """Confirmed enrolments by user ID; enrolments and logins under way by `mfa_token`."""

    mfa: dict[str, MfaEnrollment] = field(default_factory=dict)
    enrolling: dict[str, tuple[str, MfaEnrollment]] = field(default_factory=dict)
    logins: dict[str, PendingLogin] = field(default_factory=dict)


def area(state: CloudState) -> MfaArea:
    return state.area(MfaArea)


def mfa_enabled(state: CloudState, user: FakeUser) -> bool:
    """Whether `user` has MFA on (for views such as `GET /v1/user`)."""
    with state.lock:
        return user.id in area(state).mfa


# -- MFA enrolment -----------------------------------------------------------------------


async def enable_mfa(ctx: Ctx) -> Response:
    """`GET /v1/user/mfa-enable` starts enrolment (a GET with a side effect, as in the API)."""
    if mfa_enabled(ctx.state, ctx.user):
        raise fail(400, "Multi-factor authentication is already enabled")
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    mfa_token = secrets.token_urlsafe(24)
    with ctx.state.lock:
        enrolling = area(ctx.state).enrolling
        for earlier in [t for t, (who, _) in enrolling.items() if who == ctx.user.id]:
            del enrolling[earlier]  # a new enrolment replaces one left unconfirmed
        enrolling[mfa_token] = (ctx.user.id, MfaEnrollment(secret))
    label = quote(f"Particle:{ctx.user.username}")
    qr_url = f"otpauth://totp/{label}?secret={secret}&issuer=Particle"
    return json_response({"mfa_token": mfa_token, "qr_url": qr_url, "secret": secret})


async def confirm_mfa(ctx: Ctx) -> Response:
    """`POST /v1/user/mfa-enable` with the enrolment's `mfa_token` and a first OTP."""
    store = area(ctx.state)
    mfa_token = str(ctx.param("mfa_token", default=""))
    with ctx.state.lock:
        pending = store.enrolling.get(mfa_token)
        if pending is None or pending[0] != ctx.user.id:
            raise fail(400, "Invalid or expired MFA token")
        enrollment = pending[1]
        if not enrollment.accepts(str(ctx.param("otp", default=""))):
            raise fail(400, "Invalid one-time password")
        del store.enrolling[mfa_token]
        enrollment.recovery_codes = {secrets.token_hex(4) for _ in range(RECOVERY_CODES)}
        store.mfa[ctx.user.id] = enrollment
        codes = sorted(enrollment.recovery_codes)
    if as_bool(ctx.param("invalidate_tokens", default=False)):
        ctx.state.revoke(t.token for t in ctx.state.tokens_of(ctx.user) if t.token != ctx.token)
    return json_response({"enrolled": True, "tokens": codes})


async def disable_mfa(ctx: Ctx) -> Response:
    given = str(ctx.param("current_password", default=""))
    if not secrets.compare_digest(given.encode(), ctx.user.password.encode()):
        raise fail(400, "Current password is incorrect")
    with ctx.state.lock:
        if area(ctx.state).mfa.pop(ctx.user.id, None) is None:
            raise fail(400, "Multi-factor authentication is not enabled")
    return json_response({"ok": True})


# -- MFA login: grant hooks on /oauth/token ------------------------------------------------


async def password_needs_otp(
    request: Request, form: dict[str, str], state: CloudState, client: OAuthClient
) -> Response | None:
    """A right password on an MFA account is a 403 carrying the login's `mfa_token`."""
    if form.get("grant_type") != "password":
        return None
    user = state.check_password(form.get("username", ""), form.get("password", ""))
    if user is None or not mfa_enabled(state, user):
        return None  # the password grant answers (or refuses) as usual
    mfa_token = secrets.token_urlsafe(24)
    now = time.monotonic()
    login = PendingLogin(user.username, auth.lifetime(form, state), now + MFA_LOGIN_LIFETIME)
    with state.lock:
        logins = area(state).logins
        for stale in [t for t, pending in logins.items() if pending.deadline < now]:
            del logins[stale]
        logins[mfa_token] = login
    raise ApiError(
        403,
        {
            "error": "mfa_required",
            "error_description": "Multifactor authentication required",
            "mfa_token": mfa_token,
        },
    )


async def otp_grant(
    request: Request, form: dict[str, str], state: CloudState, client: OAuthClient
) -> Response | None:
    """`grant_type=urn:custom:mfa-otp`: the login's `mfa_token` and an OTP give the token.
    A wrong OTP leaves the `mfa_token` usable, so the user can type the code again."""
    if form.get("grant_type") != "urn:custom:mfa-otp":
        return None
    store = area(state)
    with state.lock:
        login = store.logins.get(form.get("mfa_token", ""))
        user = state.users.get(login.username) if login is not None else None
        enrollment = store.mfa.get(user.id) if user is not None else None
        if login is None or login.deadline < time.monotonic() or enrollment is None:
            raise oauth_fail(400, "invalid_grant", "Invalid or expired MFA token")
        assert user is not None
        if not enrollment.accepts(form.get("otp", "")):
            raise oauth_fail(400, "invalid_grant", "Invalid one-time password")
        del store.logins[form["mfa_token"]]
    record = state.issue_token(user, client=client.id, expires_in=login.lifetime)
    body: dict[str, Any] = {
        "token_type": "bearer",
        "access_token": record.token,
        "expires_in": login.lifetime,
        "refresh_token": record.refresh_token,
    }
    return json_response(body)


auth.GRANT_HOOKS["mfa-password"] = password_needs_otp
auth.GRANT_HOOKS["mfa-otp"] = otp_grant

routes: list[Route] = [
    api("/v1/user/mfa-enable", enable_mfa, "GET"),
    api("/v1/user/mfa-enable", confirm_mfa, "POST"),
    api("/v1/user/mfa-disable", disable_mfa, "PUT"),
]
