"""The account service on in-memory repositories (the contract suite keeps them honest) and a cheap argon2id."""

from __future__ import annotations

import pytest

from chalicelib.adapters.passwords import Argon2PasswordHasher
from chalicelib.services.accounts import AccountPolicy, AccountService
from chalicelib.services.tokens import AccessTokens
from chalicelib.settings import Settings
from tests.fakes.accounts import InMemoryLoginCounters, InMemorySessions, InMemoryUsers

CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(**CHEAP_ARGON2)


@pytest.fixture
def users() -> InMemoryUsers:
    return InMemoryUsers()


@pytest.fixture
def sessions() -> InMemorySessions:
    return InMemorySessions()


@pytest.fixture
def counters() -> InMemoryLoginCounters:
    return InMemoryLoginCounters()


@pytest.fixture
def policy() -> AccountPolicy:
    return AccountPolicy(
        refresh_token_seconds=30 * 24 * 3600,
        login_max_failures=5,
        login_max_failures_per_ip=8,
        login_window_seconds=900,
    )


@pytest.fixture
def tokens(clock) -> AccessTokens:
    return AccessTokens(Settings(), clock)


@pytest.fixture
def accounts(users, sessions, counters, hasher, tokens, clock, policy) -> AccountService:
    return AccountService(users, sessions, counters, hasher, tokens, clock, policy)
