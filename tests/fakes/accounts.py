"""In-memory accounts repositories: the same guarantees as the DynamoDB adapters, proven by the same contract suite
(tests/contract/accounts). Each operation holds one lock, as DynamoDB settles one item's writes one at a time."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.accounts import RefreshTokenRecord, Rotation, User
from chalicelib.domain.errors import NotFound
from chalicelib.domain.identity import Role


class InMemoryUsers:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, User] = {}
        self._claims: dict[str, str] = {}

    def add(self, user: User) -> bool:
        with self._lock:
            if user.email in self._claims:
                return False
            self._claims[user.email] = user.id
            self._users[user.id] = user
            return True

    def get(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    def find_by_email(self, email: str) -> User | None:
        user_id = self._claims.get(email)
        return self._users.get(user_id) if user_id else None

    def set_role(self, user_id: str, role: Role) -> User:
        return self._change(user_id, role=role)

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._change(user_id, password_hash=password_hash)

    def _change(self, user_id: str, **changes: Any) -> User:
        with self._lock:
            if user_id not in self._users:
                raise NotFound("user_not_found", "There is no user with this id.")
            self._users[user_id] = replace(self._users[user_id], **changes)
            return self._users[user_id]


class InMemorySessions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, RefreshTokenRecord] = {}
        self._families: dict[str, datetime | None] = {}  # family id -> revoked at
        self._family_users: dict[str, str] = {}  # family id -> user id
        self.state_reads = 0  # reads of a family's state: the cost the login check promises to bound

    def start(self, first: RefreshTokenRecord) -> None:
        with self._lock:
            self._families[first.family_id] = None
            self._family_users[first.family_id] = first.user_id
            self._tokens[first.token_hash] = first

    def find(self, token_hash: str) -> RefreshTokenRecord | None:
        return self._tokens.get(token_hash)

    def rotate(self, spent_hash: str, successor: RefreshTokenRecord, now: datetime) -> Rotation:
        with self._lock:
            spent = self._tokens.get(spent_hash)
            if spent is None or spent.spent_at is not None:
                return Rotation.ALREADY_SPENT
            if successor.family_id not in self._families or self._families[successor.family_id] is not None:
                return Rotation.FAMILY_REVOKED
            self._tokens[spent_hash] = replace(spent, spent_at=now)
            self._tokens[successor.token_hash] = successor
            return Rotation.ROTATED

    def revoke_family(self, family_id: str, reason: str, now: datetime) -> None:
        with self._lock:
            if family_id in self._families and self._families[family_id] is None:
                self._families[family_id] = now

    def revoke_user(self, user_id: str, reason: str, now: datetime) -> int:
        with self._lock:
            active = [f for f, u in self._family_users.items() if u == user_id and self._families[f] is None]
            for family_id in active:
                self._families[family_id] = now
            return len(active)

    def family_revoked_at(self, family_id: str) -> datetime | None:
        self.state_reads += 1
        return self._families.get(family_id)


class InMemoryLoginCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def take(self, key: str, limit: int, purge_at: datetime) -> bool:
        with self._lock:
            if self._counts.get(key, 0) >= limit:
                return False
            self._counts[key] = self._counts.get(key, 0) + 1
            return True

    def give_back(self, key: str) -> None:
        with self._lock:
            if self._counts.get(key, 0) > 0:
                self._counts[key] -= 1

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def count(self, key: str) -> int:
        return self._counts.get(key, 0)


if TYPE_CHECKING:  # `make typecheck` holds each fake to the port it stands for
    from chalicelib.services.accounts import LoginCounters, SessionRepository, UserRepository

    _users: UserRepository = InMemoryUsers()
    _sessions: SessionRepository = InMemorySessions()
    _counters: LoginCounters = InMemoryLoginCounters()
