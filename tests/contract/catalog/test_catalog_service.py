"""The catalog service on its DynamoDB repositories: admin checks that hold even without the gateway's authorizer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.adapters.dynamodb.catalog import DynamoMovies, DynamoScreenings, DynamoTheaters
from chalicelib.adapters.dynamodb.models.catalog import MovieItem, ScreeningItem, TheaterItem
from chalicelib.domain.catalog import MovieDetails
from chalicelib.domain.clock import FakeClock
from chalicelib.domain.errors import Forbidden, InvalidRequest
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import parse_layout
from chalicelib.services.catalog import MAX_DAYS_LISTED, Catalog

ADMIN = Principal("user-admin", "admin")
CUSTOMER = Principal("user-carol", "customer")
STAFF = Principal("user-sam", "staff")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DETAILS = MovieDetails("Amélie", "", ("Comedy",), 122, "R", date(2001, 4, 25))
LAYOUT = parse_layout({"rows": [{"label": "A", "seats": [{"number": 1}, {"number": 2}]}], "prices": {"standard": 900}})


@pytest.fixture
def catalog(aws) -> Catalog:
    clock = FakeClock(NOW)
    return Catalog(DynamoMovies(), DynamoTheaters(), DynamoScreenings(clock), clock, cleaning_minutes=20)


@pytest.mark.parametrize("principal", [CUSTOMER, STAFF])
def test_only_an_admin_writes_the_catalog(catalog, principal):
    movie = catalog.add_movie(ADMIN, DETAILS)
    theater = catalog.add_theater(ADMIN, "Screen 1", LAYOUT)
    screening, _ = catalog.schedule_screening(ADMIN, movie.id, theater.id, datetime(2026, 6, 2, 19, tzinfo=UTC))
    writes = [
        lambda: catalog.add_movie(principal, DETAILS),
        lambda: catalog.replace_movie(principal, movie.id, DETAILS),
        lambda: catalog.remove_movie(principal, movie.id),
        lambda: catalog.add_theater(principal, "Screen 2", LAYOUT),
        lambda: catalog.schedule_screening(principal, movie.id, theater.id, datetime(2026, 6, 3, 19, tzinfo=UTC)),
        lambda: catalog.set_queue_mode(principal, screening.id, True),
    ]

    for write in writes:
        with pytest.raises(Forbidden):
            write()

    assert (MovieItem.count(), TheaterItem.count(), ScreeningItem.count()) == (1, 1, 1)
    assert catalog.screening(screening.id)[0].queue_mode is False


def test_a_new_screening_reports_every_unblocked_seat_available(catalog):
    movie = catalog.add_movie(ADMIN, DETAILS)
    theater = catalog.add_theater(ADMIN, "Screen 1", LAYOUT)

    screening, available = catalog.schedule_screening(ADMIN, movie.id, theater.id, datetime(2026, 6, 2, 19, tzinfo=UTC))

    assert available == 2
    assert catalog.screening(screening.id) == (screening, 2)


def test_a_day_by_day_range_is_bounded(catalog):
    start = datetime(2026, 6, 1, tzinfo=UTC)
    widest = datetime(2026, 7, 2, tzinfo=UTC)
    assert (widest - start).days == MAX_DAYS_LISTED

    assert catalog.list_screenings(None, None, start, widest, 20, None).items == []
    with pytest.raises(InvalidRequest):
        catalog.list_screenings(None, None, start, datetime(2026, 7, 2, 0, 5, tzinfo=UTC), 20, None)
