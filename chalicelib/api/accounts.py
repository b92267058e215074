"""Accounts over HTTP: register, login, refresh, logout, me.

Token answers carry ``Cache-Control: no-store`` (RFC 6749 section 5.1): no proxy or browser keeps them.
Passwords are never trimmed; bounds on every string keep argon2 and DynamoDB away from oversized input.
"""

from __future__ import annotations

from typing import Annotated, Literal

from chalice import Response
from pydantic import Field, StringConstraints

from chalicelib.api import auth
from chalicelib.api.requests import NON_BLANK, RequestSchema
from chalicelib.api.responses import ResponseModel
from chalicelib.api.routing import ApiBlueprint, Reply, no_content
from chalicelib.bootstrap import services
from chalicelib.domain import accounts
from chalicelib.domain.accounts import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH
from chalicelib.domain.identity import Role
from chalicelib.services import accounts as sessions

bp = ApiBlueprint(__name__)

EMAIL_PATTERN = (
    r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
"""Addresses like these are accepted; `accounts.normalize_email` is the rule (it also takes non-ASCII domains)."""
Email = Annotated[
    str,
    StringConstraints(min_length=1, max_length=EMAIL_MAX_LENGTH),
    Field(json_schema_extra={"pattern": EMAIL_PATTERN}),
]
Password = Annotated[str, StringConstraints(strip_whitespace=False, max_length=PASSWORD_MAX_LENGTH)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX_LENGTH, pattern=NON_BLANK)]
RefreshToken = Annotated[str, StringConstraints(min_length=1, max_length=256)]

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class RegisterBody(RequestSchema):
    email: Email
    password: Annotated[Password, Field(json_schema_extra={"minLength": accounts.PASSWORD_MIN_LENGTH})]
    name: Name


class LoginBody(RequestSchema):
    email: Email
    password: Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=PASSWORD_MAX_LENGTH)]


class RefreshBody(RequestSchema):
    refresh_token: RefreshToken


class User(ResponseModel):
    """A user as they and admins see them (never the password hash)."""

    id: str
    email: str
    name: str
    role: Role

    @classmethod
    def of(cls, user: accounts.User) -> User:
        return cls(id=user.id, email=user.email, name=user.name, role=user.role)


class Session(ResponseModel):
    """A signed-in session: answered with ``Cache-Control: no-store``."""

    user: User
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds the access token lives.")

    @classmethod
    def of(cls, session: sessions.Session) -> Session:
        return cls(
            user=User.of(session.user),
            access_token=session.access.token,
            refresh_token=session.refresh_token,
            token_type="Bearer",
            expires_in=session.access.expires_in,
        )


def _signed_in(session: sessions.Session) -> Reply:
    """A session, with the headers that keep its tokens out of every cache."""
    return Reply(Session.of(session), NO_STORE)


SESSION_ERRORS = ("invalid_refresh_token", "refresh_token_reused")


def _source_ip() -> str | None:
    """The caller's address as API Gateway saw it (never a client-supplied header such as X-Forwarded-For)."""
    identity = (bp.current_request.context or {}).get("identity") or {}
    return identity.get("sourceIp") or None


@bp.route(
    "/api/auth/register",
    methods=["POST"],
    summary="Create a customer account and sign in",
    body=RegisterBody,
    answers={201: Session},
    errors={400: ("weak_password",), 409: ("email_taken",)},
)
def register(body: RegisterBody) -> Reply:
    return _signed_in(services().accounts.register(body.email, body.password, body.name))


@bp.route(
    "/api/auth/login",
    methods=["POST"],
    summary="Sign in with email and password",
    description="An unknown email and a wrong password get the same answer. Repeated failures are "
    "throttled per email and per source address.",
    body=LoginBody,
    answers={200: Session},
    errors={401: ("invalid_credentials",), 429: ("rate_limited",)},
)
def login(body: LoginBody) -> Reply:
    return _signed_in(services().accounts.login(body.email, body.password, _source_ip()))


@bp.route(
    "/api/auth/refresh",
    methods=["POST"],
    summary="Trade a refresh token for a new pair (the old one is spent)",
    description="Presenting a spent refresh token revokes every token of that login (refresh_token_reused).",
    body=RefreshBody,
    answers={200: Session},
    errors={401: SESSION_ERRORS},
)
def refresh(body: RefreshBody) -> Reply:
    return _signed_in(services().accounts.refresh(body.refresh_token))


@bp.route(
    "/api/auth/logout",
    methods=["POST"],
    summary="End the login of a refresh token",
    body=RefreshBody,
    answers={204: None},
    errors={401: SESSION_ERRORS},
)
def logout(body: RefreshBody) -> Response:
    services().accounts.logout(body.refresh_token)
    return no_content()


@bp.route(
    "/api/auth/me",
    methods=["GET"],
    authorizer=auth.customer_auth,
    summary="The signed-in user",
    answers={200: User},
    errors={404: ("user_not_found",)},
)
def me() -> Reply:
    user = services().accounts.me(auth.current_principal(bp.current_request))
    return Reply(User.of(user), {"Cache-Control": "private, no-store"})
