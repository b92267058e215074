"""Fixtures of the catalog API tests: an admin, a customer, and shortcuts that create catalog entries over HTTP."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from catalog_data import LAYOUT, MOVIE, NOW, TOMORROW_EVENING

from tests.fakes.clock import FakeClock


class Catalog:
    """Creates movies, theaters and screenings as an admin, asserting each one was created."""

    def __init__(self, api, admin_token: str):
        self.api = api
        self.admin = admin_token

    def movie(self, **fields: Any) -> dict[str, Any]:
        response = self.api.post("/api/movies", {**copy.deepcopy(MOVIE), **fields}, token=self.admin)
        assert response.status == 201, response.json
        return response.json

    def theater(self, name: str = "Screen 1", layout: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"name": name, "layout": copy.deepcopy(layout or LAYOUT)}
        response = self.api.post("/api/theaters", body, token=self.admin)
        assert response.status == 201, response.json
        return response.json

    def schedule(self, movie_id: str, theater_id: str, starts_at: str):
        body = {"movie_id": movie_id, "theater_id": theater_id, "starts_at": starts_at}
        return self.api.post("/api/screenings", body, token=self.admin)

    def screening(self, movie_id: str, theater_id: str, starts_at: str = TOMORROW_EVENING) -> dict[str, Any]:
        response = self.schedule(movie_id, theater_id, starts_at)
        assert response.status == 201, response.json
        return response.json


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def admin(token_for) -> str:
    return token_for("user-admin", "admin")


@pytest.fixture
def customer(token_for) -> str:
    return token_for("user-carol", "customer")


@pytest.fixture
def catalog(api, admin) -> Catalog:
    return Catalog(api, admin)
