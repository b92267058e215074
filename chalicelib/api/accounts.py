"""Accounts over HTTP: register, login, refresh, logout, me.

Token answers carry ``Cache-Control: no-store`` (RFC 6749 section 5.1): no proxy or browser keeps them.
Passwords are never trimmed; bounds on every string keep argon2 and DynamoDB away from oversized input.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from chalicelib.api import auth
from chalicelib.api.requests import RequestSchema, parse_body
from chalicelib.api.routing import ApiBlueprint, created, json_response, no_content
from chalicelib.bootstrap import services
from chalicelib.domain.accounts import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH, User
from chalicelib.services.accounts import Session

bp = ApiBlueprint(__name__)

Email = Annotated[str, StringConstraints(min_length=1, max_length=EMAIL_MAX_LENGTH)]
Password = Annotated[str, StringConstraints(strip_whitespace=False, max_length=PASSWORD_MAX_LENGTH)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX_LENGTH)]
RefreshToken = Annotated[str, StringConstraints(min_length=1, max_length=256)]

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class RegisterBody(RequestSchema):
    email: Email
    password: Password
    name: Name


class LoginBody(RequestSchema):
    email: Email
    password: Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=PASSWORD_MAX_LENGTH)]


class RefreshBody(RequestSchema):
    refresh_token: RefreshToken


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role}


def session_json(session: Session) -> dict[str, Any]:
    return {
        "user": user_json(session.user),
        "access_token": session.access.token,
        "refresh_token": session.refresh_token,
        "token_type": "Bearer",
        "expires_in": session.access.expires_in,
    }


def _source_ip() -> str | None:
    """The caller's address as API Gateway saw it (never a client-supplied header such as X-Forwarded-For)."""
    identity = (bp.current_request.context or {}).get("identity") or {}
    return identity.get("sourceIp") or None


@bp.route("/api/auth/register", methods=["POST"])
def register():
    body = parse_body(RegisterBody, bp.current_request.raw_body)
    session = services().accounts.register(body.email, body.password, body.name)
    return created(session_json(session), headers=NO_STORE)


@bp.route("/api/auth/login", methods=["POST"])
def login():
    body = parse_body(LoginBody, bp.current_request.raw_body)
    session = services().accounts.login(body.email, body.password, _source_ip())
    return json_response(session_json(session), headers=NO_STORE)


@bp.route("/api/auth/refresh", methods=["POST"])
def refresh():
    body = parse_body(RefreshBody, bp.current_request.raw_body)
    session = services().accounts.refresh(body.refresh_token)
    return json_response(session_json(session), headers=NO_STORE)


@bp.route("/api/auth/logout", methods=["POST"])
def logout():
    body = parse_body(RefreshBody, bp.current_request.raw_body)
    services().accounts.logout(body.refresh_token)
    return no_content()


@bp.route("/api/auth/me", methods=["GET"], authorizer=auth.customer_auth)
def me():
    user = services().accounts.me(auth.current_principal(bp.current_request))
    return json_response(user_json(user), headers={"Cache-Control": "private, no-store"})
