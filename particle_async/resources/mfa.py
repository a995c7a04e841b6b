"""`cloud.mfa`: Multi-factor authentication: enrol, confirm, disable, and the MFA login step.

A password login on an account with MFA answers 403 `mfa_required` with an `mfa_token`.
`cloud.tokens.create` turns that answer into `MfaRequired` (a `ForbiddenError`, so old
handlers still catch it) carrying the token; finish the login with the user's one-time
password:

    try:
        grant = await cloud.tokens.create(username, password)
    except MfaRequired as needed:
        grant = await cloud.mfa.login(needed.mfa_token, input("OTP: "))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import ForbiddenError
from .._transport import DEFAULT_CLIENT
from ..models.auth import MfaConfirmation, MfaEnrollment, TokenGrant
from ._base import Resource, ok

__all__ = ["MFA_OTP_GRANT", "Mfa", "MfaRequired"]

MFA_OTP_GRANT = "urn:custom:mfa-otp"
"""The `grant_type` of the second login step, as Particle's JavaScript SDK sends it."""


class MfaRequired(ForbiddenError):
    """403 `mfa_required`: the password was right; now send an OTP with `cloud.mfa.login`.

    `mfa_token` is the short-lived state token the cloud issued for this login attempt;
    it is kept out of the message and the repr.
    """

    def __init__(self, message: str, *, mfa_token: str, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.mfa_token = mfa_token

    @classmethod
    def from_forbidden(cls, error: ForbiddenError) -> MfaRequired | None:
        """The MFA condition hidden in a 403, or None when the 403 means something else."""
        body = error.body if isinstance(error.body, Mapping) else {}
        token = body.get("mfa_token")
        if error.error != "mfa_required" or not isinstance(token, str) or not token:
            return None
        return cls(
            error.message,
            mfa_token=token,
            status=error.status,
            method=error.method,
            url=error.url,
            error=error.error,
            error_description=error.error_description,
            info=error.info,
            body=error.body,
            headers=error.headers,
        )


class Mfa(Resource):
    """Multi-factor authentication: enrol, confirm, disable, and the MFA login step."""

    async def login(
        self,
        mfa_token: str,
        otp: str,
        *,
        client_id: str = DEFAULT_CLIENT,
        client_secret: str = DEFAULT_CLIENT,
    ) -> TokenGrant:
        """Finish a login that raised `MfaRequired`: trade its token and an OTP for a token.

        `POST /oauth/token`, form-encoded, `grant_type=urn:custom:mfa-otp`; the OAuth
        client goes in HTTP Basic, as for every `/oauth/token` call of this SDK. Never
        re-sent once it may have reached the server (an OTP is single-use).
        """
        form = {"grant_type": MFA_OTP_GRANT, "mfa_token": mfa_token, "otp": otp}
        body = await self._transport.request(
            "POST", "/oauth/token", form=form, auth=(client_id, client_secret)
        )
        return TokenGrant.from_api(body)

    send_otp = login

    async def enable(self) -> MfaEnrollment:
        """Start enrolment (`GET /v1/user/mfa-enable`): a QR code URL and an `mfa_token`."""
        return MfaEnrollment.from_api(await self._transport.request("GET", "/v1/user/mfa-enable"))

    async def confirm(
        self, mfa_token: str, otp: str, *, invalidate_tokens: bool = False
    ) -> MfaConfirmation:
        """Finish enrolment with the first OTP; `invalidate_tokens` revokes every other token.

        Endpoint: `POST /v1/user/mfa-enable`.

        `invalidate_tokens` is only sent when true, as the JavaScript SDK does.
        """
        body: dict[str, Any] = {"mfa_token": mfa_token, "otp": otp}
        if invalidate_tokens:
            body["invalidate_tokens"] = True
        result = await self._transport.request("POST", "/v1/user/mfa-enable", json_body=body)
        return MfaConfirmation.from_api(result)

    async def disable(self, current_password: str) -> bool:
        """Turn MFA off (`PUT /v1/user/mfa-disable`); needs the account password."""
        body = await self._transport.request(
            "PUT",
            "/v1/user/mfa-disable",
            json_body={"current_password": current_password},
            idempotent=True,
        )
        return ok(body)
