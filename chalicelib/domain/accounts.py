"""Accounts, in pure Python: who a user is, which emails and passwords are acceptable, how refresh tokens live.

Guarantees:

* Two spellings of one mailbox (``Alice@Example.COM `` and ``alice@example.com``) normalise to the same
  email, so the database's uniqueness condition sees them as one.
* A password is refused with ``weak_password`` and ``details.rule`` naming the one rule it broke.
* A refresh token is opaque randomness; only its SHA-256 is stored. Every login starts a *family*; each
  refresh spends one token and issues the next of the same family. Presenting a spent token is reuse
  (RFC 9700 section 4.14.2): the whole family is revoked.
* Failed logins are counted in fixed windows (``floor(epoch / window)``), so every instance agrees on
  the window without talking to the others.
"""

from __future__ import annotations

import enum
import hashlib
import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.domain.errors import InvalidRequest, Unauthorized
from chalicelib.domain.identity import Role

EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit less the angle brackets
EMAIL_LOCAL_MAX_LENGTH = 64
NAME_MAX_LENGTH = 100
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    role: Role
    password_hash: str
    created_at: datetime


def _field_error(field: str, message: str) -> InvalidRequest:
    return InvalidRequest("validation_error", message, {"fields": [{"field": field, "message": message}]})


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in text)


def normalize_email(raw: str) -> str:
    """The canonical form of an address (trimmed, NFC, lower case), or a `validation_error` naming ``email``.

    The whole address is lower-cased: RFC 5321 allows case-sensitive local parts, but no mail provider
    we would meet uses them, and two accounts differing only by case are a support ticket waiting to happen.
    """
    email = unicodedata.normalize("NFC", raw.strip()).lower()
    local, at, domain = email.rpartition("@")
    if not email or len(email) > EMAIL_MAX_LENGTH:
        raise _field_error("email", f"An email address has 3 to {EMAIL_MAX_LENGTH} characters.")
    if not at or not local or not domain:
        raise _field_error("email", "An email address looks like name@example.com.")
    if "@" in local or len(local) > EMAIL_LOCAL_MAX_LENGTH:
        raise _field_error("email", "The part before the @ is at most 64 characters and has no second @.")
    labels = domain.split(".")
    if len(labels) < 2 or any(not label or label.startswith("-") or label.endswith("-") for label in labels):
        raise _field_error("email", "The part after the @ must be a domain such as example.com.")
    if any(char.isspace() for char in email) or _has_control_characters(email):
        raise _field_error("email", "An email address has no spaces or control characters.")
    return email


def clean_name(raw: str) -> str:
    """A display name: trimmed, 1 to 100 characters, no control characters."""
    name = unicodedata.normalize("NFC", raw.strip())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise _field_error("name", f"A name has 1 to {NAME_MAX_LENGTH} characters.")
    if _has_control_characters(name):
        raise _field_error("name", "A name has no control characters.")
    return name


def _weak(rule: str, message: str, **details: object) -> InvalidRequest:
    return InvalidRequest("weak_password", message, {"field": "password", "rule": rule, **details})


def check_password(password: str, email: str) -> None:
    """Refuse a password that breaks the policy (NIST SP 800-63B: length, not guessable from the account).

    ``email`` is the normalised address. Length counts characters (code points), not bytes.
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        raise _weak(
            "min_length", f"A password has at least {PASSWORD_MIN_LENGTH} characters.", min_length=PASSWORD_MIN_LENGTH
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise _weak(
            "max_length", f"A password has at most {PASSWORD_MAX_LENGTH} characters.", max_length=PASSWORD_MAX_LENGTH
        )
    if not password.strip():
        raise _weak("not_blank", "A password cannot be only spaces.")
    candidate = unicodedata.normalize("NFC", password.strip()).lower()
    if candidate in (email, email.partition("@")[0]):
        raise _weak("not_email", "A password cannot be your email address or the part of it before the @.")


# --- refresh tokens ---------------------------------------------------------------------------------------


def new_refresh_token() -> str:
    """256 bits from the OS's CSPRNG, URL-safe: what the client holds and presents."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """What the database keeps: a leaked table yields no usable token. SHA-256 is enough for 256-bit secrets."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RefreshTokenRecord:
    token_hash: str
    family_id: str
    user_id: str
    issued_at: datetime
    expires_at: datetime
    spent_at: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class Rotation(enum.Enum):
    """What became of an attempt to spend a refresh token and issue its successor."""

    ROTATED = "rotated"
    ALREADY_SPENT = "already_spent"  # reuse: the caller revokes the family
    FAMILY_REVOKED = "family_revoked"  # logged out, or revoked after an earlier reuse


def invalid_refresh_token(message: str = "The refresh token is unknown or has expired. Sign in again.") -> Unauthorized:
    return Unauthorized("invalid_refresh_token", message)


def refresh_token_reused() -> Unauthorized:
    return Unauthorized(
        "refresh_token_reused",
        "This refresh token was already used, so every session token of this login has been revoked. Sign in again.",
    )


# --- login throttling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One fixed counting window: ``[index * seconds, (index + 1) * seconds)`` since the epoch."""

    index: int
    seconds: int

    @classmethod
    def containing(cls, moment: datetime, seconds: int) -> Window:
        return cls(index=int(moment.timestamp()) // seconds, seconds=seconds)

    @property
    def ends_at(self) -> datetime:
        return datetime.fromtimestamp((self.index + 1) * self.seconds, UTC)

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the window closes (at least 1): the ``Retry-After`` header."""
        return max(1, math.ceil((self.ends_at - now).total_seconds()))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def email_counter_key(email: str, window: Window) -> str:
    """The counter of failed logins for one email in one window. Hashed: the counter table holds no address."""
    return f"email#{_digest(email)}#{window.index}"


def source_counter_key(source_ip: str, window: Window) -> str:
    return f"ip#{_digest(source_ip)}#{window.index}"
