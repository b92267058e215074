"""Use cases of accounts: register, login, refresh, logout, me, create_admin; and the ports they need.

Guarantees a reviewer can check here:

* Email uniqueness is the database's: `UserRepository.add` writes the user and its email claim in one
  conditional transaction; nothing is read before.
* Login answers ``invalid_credentials`` the same way, after the same work (one argon2 verification), for an
  unknown email and a wrong password.
* Failed logins are limited per email and per source IP in fixed windows, across instances: a slot is
  taken atomically *before* the password is checked (``failures_below_limit``), so concurrent guesses
  cannot overshoot the limit. A good login gives its IP slot back and clears the email's counter.
* A refresh token is spent exactly once (``token_is_unspent``); a second presentation revokes the family.
* A revoked login's access tokens stop working within `REVOCATION_BOUND_SECONDS` (docs/api.md): `authenticate`
  checks the token's login with one read of its family, remembered at most ``login_state_cache_seconds``
  (30 s), under an API Gateway authorizer cache of 30 s (chalicelib/api/auth.py).
* `create_admin` never turns someone else's account into an admin with their password: an existing account
  is refused unless the operator asks to promote it, and then it gets the operator's password and loses
  every login it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain.accounts import (
    RefreshTokenRecord,
    Rotation,
    User,
    Window,
    check_password,
    clean_name,
    email_counter_key,
    hash_refresh_token,
    invalid_refresh_token,
    new_refresh_token,
    normalize_email,
    refresh_token_reused,
    source_counter_key,
)
from chalicelib.domain.clock import Clock, new_id
from chalicelib.domain.errors import Conflict, NotFound, RateLimited, Unauthorized
from chalicelib.domain.identity import Principal, Role
from chalicelib.logs import logger
from chalicelib.services.caching import BoundedCache
from chalicelib.services.tokens import AccessTokens, IssuedAccessToken

# --- ports ---------------------------------------------------------------------------------------------------


class UserRepository(Protocol):
    def add(self, user: User) -> bool:
        """Store the user and claim its email atomically. False (nothing written) when the email is claimed."""
        ...

    def get(self, user_id: str) -> User | None: ...

    def find_by_email(self, email: str) -> User | None:
        """By normalised email, strongly consistent (a login right after registering finds the user)."""
        ...

    def set_role(self, user_id: str, role: Role) -> User:
        """The updated user; `NotFound` ``user_not_found`` when there is none (``user_exists``)."""
        ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...


class SessionRepository(Protocol):
    """Refresh tokens and their families (one family per login)."""

    def start(self, first: RefreshTokenRecord) -> None:
        """Create the family of ``first`` and store ``first`` in it."""
        ...

    def find(self, token_hash: str) -> RefreshTokenRecord | None: ...

    def rotate(self, spent_hash: str, successor: RefreshTokenRecord, now: datetime) -> Rotation:
        """Atomically: spend ``spent_hash`` if unspent and its family is active, and store ``successor``."""
        ...

    def revoke_family(self, family_id: str, reason: str, now: datetime) -> None:
        """Revoke every token of the family (idempotent; the first revocation's time and reason are kept)."""
        ...

    def revoke_user(self, user_id: str, reason: str, now: datetime) -> int:
        """Revoke every family (login) of the user; how many were still active."""
        ...

    def family_revoked_at(self, family_id: str) -> datetime | None:
        """When the family was revoked; None while it is active (or unknown). One small strongly consistent read."""
        ...


class LoginCounters(Protocol):
    """Atomic counters of failed logins, one item per key (the key carries its window)."""

    def take(self, key: str, limit: int, purge_at: datetime) -> bool:
        """Count one more failure unless ``limit`` are already counted; False (nothing counted) at the limit."""
        ...

    def give_back(self, key: str) -> None:
        """Uncount one failure taken by `take` (the attempt turned out good or was refused elsewhere)."""
        ...

    def clear(self, key: str) -> None: ...


class PasswordHasher(Protocol):
    @property
    def dummy_hash(self) -> str:
        """A hash of no one's password: verified against when the email is unknown, so timing tells nothing."""
        ...

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


# --- the service ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountPolicy:
    refresh_token_seconds: int = 30 * 24 * 3600
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 50
    login_window_seconds: int = 900
    login_state_cache_seconds: int = 30
    """How long `authenticate` trusts a login's state once read: half of `REVOCATION_BOUND_SECONDS`."""


REVOCATION_BOUND_SECONDS = 60
"""A revoked login's access tokens are refused at most this long after the revocation: the API Gateway
authorizer cache (30 s, `chalicelib.api.auth.AUTHORIZER_TTL_SECONDS`) plus the login-state cache (30 s)."""
LOGIN_STATE_CACHE_ENTRIES = 10_000
LOGIN_STATE_BYTES = 300
"""A remembered login state (family id, read time, revoked): ~300 bytes (tracemalloc, CPython 3.11), so the
cache holds ~3 MB per instance at most; the least recently used is forgotten first."""


@dataclass(frozen=True)
class Session:
    """What a client gets when it signs in or refreshes."""

    user: User
    access: IssuedAccessToken
    refresh_token: str


def invalid_credentials() -> Unauthorized:
    return Unauthorized("invalid_credentials", "The email or password is not right.")


class AccountService:
    def __init__(
        self,
        users: UserRepository,
        sessions: SessionRepository,
        counters: LoginCounters,
        hasher: PasswordHasher,
        tokens: AccessTokens,
        clock: Clock,
        policy: AccountPolicy,
    ):
        self._users = users
        self._sessions = sessions
        self._counters = counters
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._policy = policy
        self._login_states: BoundedCache[str, tuple[datetime, bool]] = BoundedCache(  # family -> (read at, revoked)
            LOGIN_STATE_CACHE_ENTRIES, LOGIN_STATE_CACHE_ENTRIES * LOGIN_STATE_BYTES, lambda _: LOGIN_STATE_BYTES
        )

    def register(self, email: str, password: str, name: str) -> Session:
        user = self._new_user(email, password, name, "customer")
        if not self._users.add(user):
            raise Conflict("email_taken", "An account with this email already exists. Sign in instead.")
        logger.info("user registered", extra={"user_id": user.id})
        return self._start_session(user)

    def login(self, email: str, password: str, source_ip: str | None) -> Session:
        email = normalize_email(email)
        now = self._clock.now()
        window = Window.containing(now, self._policy.login_window_seconds)
        email_key = email_counter_key(email, window)
        source_key = source_counter_key(source_ip, window) if source_ip else None
        self._take_failure_slots(window, now, email_key, source_key)

        user = self._users.find_by_email(email)
        # The same verification for an unknown email, so timing does not tell whether an account exists.
        matches = self._hasher.verify(user.password_hash if user else self._hasher.dummy_hash, password)
        if user is None or not matches:
            raise invalid_credentials()

        self._counters.clear(email_key)
        if source_key:
            self._counters.give_back(source_key)
        if self._hasher.needs_rehash(user.password_hash):
            self._users.set_password_hash(user.id, self._hasher.hash(password))
        return self._start_session(user)

    def refresh(self, refresh_token: str) -> Session:
        now = self._clock.now()
        record = self._sessions.find(hash_refresh_token(refresh_token))
        if record is None or record.is_expired(now):
            raise invalid_refresh_token()
        if record.spent_at is not None:
            raise self._revoked_for_reuse(record, now)
        user = self._users.get(record.user_id)
        if user is None:
            self._sessions.revoke_family(record.family_id, "user_gone", now)
            raise invalid_refresh_token()
        successor_token = new_refresh_token()
        successor = self._record(successor_token, record.family_id, user.id, now)
        outcome = self._sessions.rotate(record.token_hash, successor, now)
        if outcome is Rotation.ALREADY_SPENT:
            raise self._revoked_for_reuse(record, now)
        if outcome is Rotation.FAMILY_REVOKED:
            raise invalid_refresh_token("This session has ended (signed out or revoked). Sign in again.")
        return Session(user, self._issue_access(user, record.family_id), successor_token)

    def logout(self, refresh_token: str) -> None:
        """Revoke the login the token belongs to, whatever state the token is in; an unknown token is refused."""
        record = self._sessions.find(hash_refresh_token(refresh_token))
        if record is None:
            raise invalid_refresh_token()
        self._sessions.revoke_family(record.family_id, "logout", self._clock.now())
        logger.info("signed out", extra={"user_id": record.user_id, "family_id": record.family_id})

    def authenticate(self, access_token: str) -> Principal:
        """The principal of a valid access token whose login is not revoked, or `Unauthorized`.

        Costs at most one small read (the login's family) per `login_state_cache_seconds` per login and instance.
        """
        verified = self._tokens.verify_with_login(access_token)
        if verified.family_id is not None and self._login_revoked(verified.family_id):
            raise Unauthorized("unauthorized", "This session has ended (signed out or revoked). Sign in again.")
        return verified.principal

    def me(self, principal: Principal) -> User:
        user = self._users.get(principal.user_id)
        if user is None:
            raise NotFound("user_not_found", "This account no longer exists.")
        return user

    def create_admin(self, email: str, password: str, name: str, *, promote_existing: bool = False) -> str:
        """The id of an admin with this email who signs in with ``password``.

        A new account; or, when the email is taken: the same admin again when ``password`` is already theirs
        (idempotent); otherwise `Conflict` ``email_taken`` unless ``promote_existing``, which gives the account
        this password, ends every login it had, and only then makes it an admin.
        """
        user = self._new_user(email, password, name, "admin")
        if self._users.add(user):
            logger.info("admin created", extra={"user_id": user.id})
            return user.id
        existing = self._users.find_by_email(user.email)
        if existing is None:  # a claim without its user: the transaction makes this impossible, say so loudly
            raise Conflict("email_taken", "This email is claimed by an account that cannot be read.")
        if existing.role == "admin" and self._hasher.verify(existing.password_hash, password):
            return existing.id
        if not promote_existing:
            raise Conflict(
                "email_taken",
                "An account with this email exists already. Promote it explicitly (--promote-existing): it then "
                "gets the password given here and every login it had ends.",
                {"user_id": existing.id, "role": existing.role},
            )
        # Password first, then the logins, then the role: at no moment is it an admin someone else can sign in as.
        self._users.set_password_hash(existing.id, user.password_hash)
        ended = self._sessions.revoke_user(existing.id, "promoted", self._clock.now())
        if existing.role != "admin":
            self._users.set_role(existing.id, "admin")
        logger.info("account promoted to admin", extra={"user_id": existing.id, "logins_ended": ended})
        return existing.id

    # --- helpers ---

    def _new_user(self, email: str, password: str, name: str, role: Role) -> User:
        email = normalize_email(email)
        name = clean_name(name)
        check_password(password, email)
        return User(
            id=new_id("u_"),
            email=email,
            name=name,
            role=role,
            password_hash=self._hasher.hash(password),
            created_at=self._clock.now(),
        )

    def _record(self, token: str, family_id: str, user_id: str, now: datetime) -> RefreshTokenRecord:
        return RefreshTokenRecord(
            token_hash=hash_refresh_token(token),
            family_id=family_id,
            user_id=user_id,
            issued_at=now,
            expires_at=now + timedelta(seconds=self._policy.refresh_token_seconds),
        )

    def _start_session(self, user: User) -> Session:
        now = self._clock.now()
        token = new_refresh_token()
        family_id = new_id("f_")
        self._sessions.start(self._record(token, family_id, user.id, now))
        return Session(user, self._issue_access(user, family_id), token)

    def _issue_access(self, user: User, family_id: str) -> IssuedAccessToken:
        return self._tokens.issue(Principal(user_id=user.id, role=user.role), family_id=family_id)

    def _take_failure_slots(self, window: Window, now: datetime, email_key: str, source_key: str | None) -> None:
        """Count this attempt as a failure up front, per source then per email, or refuse it with 429."""
        purge_at = window.ends_at + timedelta(seconds=window.seconds)
        limits = [(email_key, self._policy.login_max_failures, "email")]
        if source_key:
            limits.insert(0, (source_key, self._policy.login_max_failures_per_ip, "source"))
        taken: list[str] = []
        for key, limit, scope in limits:
            if not self._counters.take(key, limit, purge_at):
                for slot in taken:
                    self._counters.give_back(slot)
                logger.warning("login throttled", extra={"scope": scope})
                raise RateLimited(window.retry_after(now), details={"scope": scope})
            taken.append(key)

    def _login_revoked(self, family_id: str) -> bool:
        """Whether the login is revoked, read at most once per `login_state_cache_seconds` (revoked is for good)."""
        now = self._clock.now()
        cached = self._login_states.get(family_id)
        if cached is not None:
            read_at, revoked = cached
            if revoked or (now - read_at).total_seconds() < self._policy.login_state_cache_seconds:
                return revoked
        revoked = self._sessions.family_revoked_at(family_id) is not None
        self._login_states.put(family_id, (now, revoked))
        return revoked

    def _revoked_for_reuse(self, record: RefreshTokenRecord, now: datetime) -> Unauthorized:
        self._sessions.revoke_family(record.family_id, "reuse", now)
        logger.warning("refresh token reused: family revoked", extra={"family_id": record.family_id})
        return refresh_token_reused()
