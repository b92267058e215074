"""The response models: each renders its domain object in exactly the shape the contract publishes."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings

from chalicelib.api.catalog_answers import Layout, Movie, Screening, Theater
from chalicelib.api.errors import Suggestion
from chalicelib.domain import catalog
from chalicelib.domain.layout import parse_layout
from chalicelib.domain.seating import suggest
from tests.unit.test_layout import layout_json, small_theater, small_theater_in_full

SEATS = {
    "rows": [
        {"label": "A", "seats": [{"number": n, "category": "vip" if n in (2, 3) else "standard"} for n in range(1, 5)]}
    ],
    "prices": {"standard": 1200, "vip": 1800},
}


def test_a_suggestion_answers_its_seats_row_category_price_and_reasons():
    layout = parse_layout(SEATS)

    (offer,) = suggest(layout, {"A1", "A4"}, 2)

    assert Suggestion.of(offer).wire() == {
        "seat_ids": ["A2", "A3"],
        "score": offer.score,
        "row": "A",
        "adjacent": True,
        "category": "vip",
        "total_cents": 3600,
        "reasons": list(offer.reasons),
    }


def test_a_layout_answers_every_aisle_and_only_the_blocked_flags_that_are_set():
    layout = parse_layout(small_theater())

    assert Layout.of(layout).wire() == small_theater_in_full()


@settings(max_examples=100, deadline=None)
@given(layout_json())
def test_the_layout_a_theater_answers_is_one_that_creating_a_theater_takes_back(data: dict[str, Any]):
    layout = parse_layout(copy.deepcopy(data))

    assert parse_layout(Layout.of(layout).wire()) == layout


def test_a_theater_answers_its_seat_count_and_layout():
    theater = catalog.Theater(id="thr_1", name="Screen 1", layout=parse_layout(SEATS))

    assert Theater.of(theater).wire() == {
        "id": "thr_1",
        "name": "Screen 1",
        "seats_total": 4,
        "layout": Layout.of(theater.layout).wire(),
    }


def test_a_movie_answers_its_release_date_as_a_day():
    details = catalog.MovieDetails("Arrival", "Heptapods.", ("Sci-Fi",), 116, "PG-13", date(2016, 11, 11))

    assert Movie.of(details.with_id("mov_1")).wire() == {
        "id": "mov_1",
        "title": "Arrival",
        "description": "Heptapods.",
        "genres": ["Sci-Fi"],
        "duration_minutes": 116,
        "rating": "PG-13",
        "release_date": "2016-11-11",
    }


def test_a_screening_answers_times_to_the_second_in_utc_and_leaves_out_an_unknown_free_count():
    starts = datetime(2026, 6, 2, 19, 0, 0, 999_999, tzinfo=UTC)
    screening = catalog.Screening("scr_1", "mov_1", "thr_1", starts, starts.replace(hour=21), starts, 4)

    listed = Screening.of(screening).wire()
    one = Screening.of(screening, seats_available=3).wire()

    assert listed == {
        "id": "scr_1",
        "movie_id": "mov_1",
        "theater_id": "thr_1",
        "starts_at": "2026-06-02T19:00:00Z",
        "ends_at": "2026-06-02T21:00:00Z",
        "seats_total": 4,
        "queue_mode": False,
    }
    assert list(one) == [
        "id",
        "movie_id",
        "theater_id",
        "starts_at",
        "ends_at",
        "seats_total",
        "seats_available",
        "queue_mode",
    ]
    assert one["seats_available"] == 3


def test_a_payment_answer_stored_before_refunded_cents_existed_replays_with_nothing_refunded():
    from chalicelib.api.payments import PAID, Payment

    stored = PAID.wire()
    del stored["refunded_cents"]  # what Powertools kept for 24 h from before the field

    assert Payment.model_validate(stored).wire() == PAID.wire() | {"refunded_cents": 0}
