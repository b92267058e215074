"""The Chalice authorizers (API Gateway Lambda authorizers in AWS) and the principal they hand to views.

Roles are enforced twice: here, at the gateway (`admin_auth` and `staff_auth` deny other roles with 403), and again in
services for anything that touches another user's data.

A token's login is checked too (`AccountService.authenticate`): API Gateway caches each token's answer
for `AUTHORIZER_TTL_SECONDS`, the service a login's state for as long again, so a signed-out or revoked
login's access tokens stop within `REVOCATION_BOUND_SECONDS` (docs/api.md).
"""

from __future__ import annotations

from chalice import AuthResponse, Blueprint

from chalicelib.bootstrap import services
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.identity import Principal

bp = Blueprint(__name__)

AUTHORIZER_TTL_SECONDS = 30
"""API Gateway's authorizer result cache (Chalice's default is 300 s): with the login-state cache, the bound."""


class GatewayUnauthorized(Exception):
    """API Gateway answers 401 (its UNAUTHORIZED gateway response) when an authorizer raises exactly this text."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _principal(token: str | None) -> Principal:
    scheme, _, value = (token or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise GatewayUnauthorized()
    try:
        return services().accounts.authenticate(value.strip())
    except Unauthorized as exc:
        raise GatewayUnauthorized() from exc


def _allow(principal: Principal, allowed: bool) -> AuthResponse:
    return AuthResponse(
        routes=["*"] if allowed else [], principal_id=principal.user_id, context={"role": principal.role}
    )


@bp.authorizer(ttl_seconds=AUTHORIZER_TTL_SECONDS)
def customer_auth(auth_request):
    """Any signed-in user."""
    return _allow(_principal(auth_request.token), True)


@bp.authorizer(ttl_seconds=AUTHORIZER_TTL_SECONDS)
def staff_auth(auth_request):
    """Staff at the door, and admins."""
    principal = _principal(auth_request.token)
    return _allow(principal, principal.role in ("staff", "admin"))


@bp.authorizer(ttl_seconds=AUTHORIZER_TTL_SECONDS)
def admin_auth(auth_request):
    """Admins only."""
    principal = _principal(auth_request.token)
    return _allow(principal, principal.is_admin)


def current_principal(request) -> Principal:
    """The principal the authorizer established for this request."""
    context = (request.context or {}).get("authorizer") or {}
    user_id = context.get("principalId")
    if not user_id:
        raise Unauthorized("unauthorized", "Sign in first.")
    return Principal(user_id=user_id, role=context.get("role", "customer"))
