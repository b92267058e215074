"""Fixtures of the storage-too-busy tests: a world made over HTTP, and faults injected at the storage clients."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.passwords import Argon2PasswordHasher
from tests.api.busy.storage_faults import storage_faults
from tests.api.realtime.conftest import notifier, ws  # noqa: F401  (the WebSocket routes and what they send)
from tests.fakes.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
LAYOUT = {
    "rows": [{"label": label, "seats": [{"number": n} for n in range(1, 9)]} for label in "ABCD"],
    "prices": {"standard": 1200},
}
MOVIE = {
    "title": "Arrival",
    "description": "Linguist meets heptapods.",
    "genres": ["Sci-Fi"],
    "duration_minutes": 116,
    "rating": "PG-13",
    "release_date": "2016-11-11",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


class World:
    """Makes what a request needs, over HTTP, fresh each time (new emails, new screenings, new holds)."""

    def __init__(self, api, token_for):
        self.api = api
        self.admin = token_for("user-admin", "admin")
        self.customer = token_for("user-carol", "customer")
        self.staff = token_for("door-1", "staff")
        self._n = itertools.count(1)
        self.registering = ""

    def ok(self, response: Any, status: int = 201) -> dict[str, Any]:
        assert response.status == status, (response.status, response.json)
        return response.json

    def email(self) -> str:
        return f"user{next(self._n)}@example.com"

    def account(self) -> dict[str, Any]:
        body = {"email": self.email(), "password": PASSWORD, "name": "Someone"}
        return self.ok(self.api.post("/api/auth/register", body)) | {"email": body["email"]}

    def movie(self) -> dict[str, Any]:
        return self.ok(self.api.post("/api/movies", MOVIE, token=self.admin))

    def theater(self) -> dict[str, Any]:
        return self.ok(self.api.post("/api/theaters", {"name": "Screen", "layout": LAYOUT}, token=self.admin))

    def screening(self) -> dict[str, Any]:
        starts = (NOW + timedelta(days=next(self._n))).replace(hour=19).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"movie_id": self.movie()["id"], "theater_id": self.theater()["id"], "starts_at": starts}
        return self.ok(self.api.post("/api/screenings", body, token=self.admin))

    def idempotency_key(self) -> str:
        return f"busy-key-{next(self._n):06d}"

    def paid(self) -> dict[str, Any]:
        """A paid reservation's payment, its tickets included."""
        body = {"reservation_id": self.hold()["id"], "payment_method": {"type": "card", "token": "tok_visa"}}
        headers = {"Idempotency-Key": self.idempotency_key()}
        return self.ok(self.api.post("/api/payments", body, token=self.customer, headers=headers))

    def hold(self, screening: dict[str, Any] | None = None, seats: tuple[str, ...] = ("A1", "A2")) -> dict[str, Any]:
        body = {"screening_id": (screening or self.screening())["id"], "seat_ids": list(seats)}
        return self.ok(self.api.post("/api/seat-reservations", body, token=self.customer))


@pytest.fixture
def world(api, token_for, app_services) -> World:
    app_services.password_hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return World(api, token_for)


@pytest.fixture
def faults(app_services):
    with storage_faults() as injected:
        yield injected


@pytest.fixture
def lambdas(app_services):
    from app import app

    with Client(app) as client:
        yield client
