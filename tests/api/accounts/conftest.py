"""Fixtures of the accounts API tests: a cheap argon2id (the production parameters have their own test) and
shortcuts that register and sign in over HTTP."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.passwords import Argon2PasswordHasher

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_hasher(app_services):
    """Same algorithm (argon2id), minimal cost: tests hash hundreds of passwords."""
    app_services.password_hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Auth:
    """Registers and signs in over HTTP, asserting each step succeeded."""

    def __init__(self, api):
        self.api = api

    def register(self, email: str = "alice@example.com", password: str = PASSWORD, name: str = "Alice") -> dict:
        response = self.api.post("/api/auth/register", {"email": email, "password": password, "name": name})
        assert response.status == 201, response.json
        return response.json

    def login(self, email: str = "alice@example.com", password: str = PASSWORD) -> Any:
        return self.api.post("/api/auth/login", {"email": email, "password": password})

    def refresh(self, refresh_token: str) -> Any:
        return self.api.post("/api/auth/refresh", {"refresh_token": refresh_token})

    def me(self, access_token: str) -> Any:
        return self.api.get("/api/auth/me", token=access_token)


@pytest.fixture
def auth(api) -> Auth:
    return Auth(api)


@pytest.fixture
def with_settings(app_services):
    """Rebuild the composition root with some settings changed (its clock, hasher and tables stay)."""

    def rebuild(**changes: Any) -> bootstrap.Services:
        built = bootstrap.Services(dataclasses.replace(app_services.settings, **changes), clock=app_services.clock)
        built.password_hasher = app_services.password_hasher
        bootstrap.override(built)
        return built

    return rebuild
