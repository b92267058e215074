"""Catalog test data shared by the API tests (a module of its own: test files cannot import a conftest)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MOVIE: dict[str, Any] = {
    "title": "Le Fabuleux Destin d'Amélie Poulain",
    "description": "A shy waitress decides to change the lives of those around her.",
    "genres": ["Comedy", "Romance"],
    "duration_minutes": 122,
    "rating": "R",
    "release_date": "2001-04-25",
}

LAYOUT: dict[str, Any] = {
    "rows": [
        {
            "label": "A",
            "seats": [
                {"number": 1, "category": "accessible"},
                {"number": 2, "category": "standard"},
                {"number": 3, "category": "standard"},
                {"number": 4, "category": "standard"},
            ],
            "aisles_after": [2],
        },
        {
            "label": "B",
            "seats": [
                {"number": 1, "category": "vip"},
                {"number": 2, "category": "vip"},
                {"number": 3, "category": "vip", "blocked": True},
            ],
        },
    ],
    "prices": {"standard": 1200, "vip": 1800, "accessible": 1000},
}

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
"""Our clock: in the real past, so that tokens issued "now" are never judged as issued in the future."""
TOMORROW_EVENING = "2026-06-02T19:00:00Z"
