"""Access tokens (JWT): short-lived, signed with a configured key picked by `kid`, algorithm pinned.

Guarantees: the algorithm is never taken from the token (``alg: none`` and algorithm swaps fail);
``iss``, ``aud``, ``exp``, ``iat``, ``sub`` and ``jti`` are required and checked; keys rotate by
adding a new ``kid`` to the key set and switching the active one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from chalicelib.domain.clock import Clock, new_id
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.identity import ROLES, Principal
from chalicelib.settings import Settings

CLOCK_SKEW_SECONDS = 30  # tolerated difference between the issuer's clock and ours, for iat/nbf only


@dataclass(frozen=True)
class VerifiedAccessToken:
    principal: Principal
    family_id: str | None
    """The login (refresh-token family) the token was issued for: a revoked login's tokens are refused."""


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    expires_in: int
    jti: str


class AccessTokens:
    def __init__(self, settings: Settings, clock: Clock):
        self._settings = settings
        self._clock = clock

    def issue(self, principal: Principal, *, family_id: str | None = None) -> IssuedAccessToken:
        s = self._settings
        now = self._clock.now()
        jti = new_id()
        claims = {
            "iss": s.jwt_issuer,
            "aud": s.jwt_audience,
            "sub": principal.user_id,
            "role": principal.role,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=s.access_token_seconds)).timestamp()),
            "jti": jti,
        }
        if family_id:
            claims["fam"] = family_id
        token = jwt.encode(
            claims, s.jwt_signing_keys[s.jwt_active_kid], algorithm=s.jwt_algorithm, headers={"kid": s.jwt_active_kid}
        )
        return IssuedAccessToken(token=token, expires_in=s.access_token_seconds, jti=jti)

    def verify(self, token: str) -> Principal:
        """The principal of a valid token, or `Unauthorized`; its login is `AccountService.authenticate`'s to check."""
        return self.verify_with_login(token).principal

    def verify_with_login(self, token: str) -> VerifiedAccessToken:
        """The principal of a valid token and the login it belongs to, or `Unauthorized`."""
        s = self._settings
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = s.jwt_signing_keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise Unauthorized("unauthorized", "The access token was signed with an unknown key.")
            claims = self._decode(token, key)
        except jwt.PyJWTError as exc:
            raise Unauthorized("unauthorized", "The access token is invalid or has expired.") from exc
        role = claims.get("role")
        if role not in ROLES:
            raise Unauthorized("unauthorized", "The access token carries no valid role.")
        family_id = claims.get("fam")
        if family_id is not None and not isinstance(family_id, str):
            raise Unauthorized("unauthorized", "The access token carries no valid login.")
        return VerifiedAccessToken(Principal(user_id=claims["sub"], role=role), family_id)

    def _decode(self, token: str, key: str) -> dict[str, Any]:
        """PyJWT checks signature, algorithm, iss, aud and required claims; every time claim is judged by our clock.

        PyJWT would compare ``iat``/``nbf``/``exp`` with the machine's clock, which the injected clock may not be.
        """
        s = self._settings
        claims = jwt.decode(
            token,
            key,
            algorithms=[s.jwt_algorithm],
            audience=s.jwt_audience,
            issuer=s.jwt_issuer,
            options={
                "require": ["exp", "iat", "sub", "jti", "iss", "aud"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        now = self._clock.now().timestamp()
        times = {name: claims[name] for name in ("exp", "iat", "nbf") if name in claims}
        if any(isinstance(value, bool) or not isinstance(value, int | float) for value in times.values()):
            raise jwt.InvalidTokenError("exp, iat and nbf must be numbers")
        if times["exp"] <= now:
            raise jwt.ExpiredSignatureError("Signature has expired")
        if times["iat"] > now + CLOCK_SKEW_SECONDS or times.get("nbf", now) > now + CLOCK_SKEW_SECONDS:
            raise jwt.ImmatureSignatureError("The token is not yet valid")
        if not isinstance(claims["sub"], str) or not isinstance(claims["jti"], str):
            raise jwt.InvalidTokenError("sub and jti must be strings")
        return claims
