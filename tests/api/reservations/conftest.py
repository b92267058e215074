"""Fixtures of the reservation API tests: a screening created over HTTP by an admin, and two customers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fakes.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # in the real past: tokens issued "now" are never from the future

LAYOUT = {
    "rows": [
        {
            "label": label,
            "seats": [
                {"number": n, "category": "accessible" if (label == "A" and n in (1, 8)) else "standard"}
                for n in range(1, 9)
            ],
            "aisles_after": [4],
        }
        for label in "ABCDE"
    ]
    + [{"label": "F", "seats": [{"number": n, "category": "vip", "blocked": n == 6} for n in range(1, 7)]}],
    "prices": {"standard": 1200, "vip": 1800, "accessible": 1000},
}
SEATS_TOTAL = 46


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def admin(token_for) -> str:
    return token_for("admin-1", "admin")


@pytest.fixture
def alice(token_for) -> str:
    return token_for("alice", "customer")


@pytest.fixture
def bob(token_for) -> str:
    return token_for("bob", "customer")


@pytest.fixture
def screening(api, admin) -> dict:
    theater = api.post("/api/theaters", {"name": "Screen 1", "layout": LAYOUT}, token=admin)
    assert theater.status == 201, theater.json
    movie = api.post(
        "/api/movies",
        {
            "title": "Arrival",
            "description": "Linguist meets heptapods.",
            "genres": ["Sci-Fi"],
            "duration_minutes": 116,
            "rating": "PG-13",
            "release_date": "2016-11-11",
        },
        token=admin,
    )
    assert movie.status == 201, movie.json
    created = api.post(
        "/api/screenings",
        {"movie_id": movie.json["id"], "theater_id": theater.json["id"], "starts_at": "2026-06-02T19:00:00Z"},
        token=admin,
    )
    assert created.status == 201, created.json
    return created.json
