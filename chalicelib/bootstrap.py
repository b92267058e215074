"""Composition root: builds clients and adapters once per cold start; tests swap the whole thing.

Each service is a `cached_property`, so a Lambda that only serves availability never builds the
payment provider, and nothing is built at import (``chalice package`` imports the app with no AWS).
"""

from __future__ import annotations

from functools import cached_property

from chalicelib.domain.clock import Clock, SystemClock
from chalicelib.settings import Settings, get_settings


class Services:
    def __init__(self, settings: Settings, clock: Clock | None = None):
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        from chalicelib.adapters.dynamodb import tables

        tables.configure(settings)

    @cached_property
    def tokens(self):
        from chalicelib.services.tokens import AccessTokens

        return AccessTokens(self.settings, self.clock)

    @cached_property
    def health(self):
        from chalicelib.adapters.health import AwsHealth

        return AwsHealth(self.settings)

    # --- services: one property each, added by the room that owns it ---

    @cached_property
    def password_hasher(self):
        from chalicelib.adapters.passwords import Argon2PasswordHasher

        return Argon2PasswordHasher()

    @cached_property
    def accounts(self):
        from chalicelib.adapters.dynamodb.accounts import DynamoLoginCounters, DynamoSessions, DynamoUsers
        from chalicelib.services.accounts import AccountPolicy, AccountService

        s = self.settings
        policy = AccountPolicy(
            refresh_token_seconds=s.refresh_token_seconds,
            login_max_failures=s.login_max_failures,
            login_max_failures_per_ip=s.login_max_failures_per_ip,
            login_window_seconds=s.login_window_seconds,
        )
        return AccountService(
            DynamoUsers(), DynamoSessions(), DynamoLoginCounters(), self.password_hasher, self.tokens, self.clock, policy
        )


_services: Services | None = None


def services() -> Services:
    global _services
    if _services is None:
        _services = Services(get_settings())
    return _services


def override(replacement: Services | None) -> None:
    """Tests (and the local cloud) install their own composition; None rebuilds from the environment."""
    global _services
    _services = replacement
