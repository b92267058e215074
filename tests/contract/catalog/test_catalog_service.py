"""The catalog service on its DynamoDB repositories: admin checks that hold even without the gateway's authorizer,
and a screening's seats created and counted through the booking room's inventory."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.adapters.dynamodb.booking import DynamoSeatInventory
from chalicelib.adapters.dynamodb.catalog import DynamoMovies, DynamoScreenings, DynamoTheaters
from chalicelib.adapters.dynamodb.models.booking import SeatItem
from chalicelib.adapters.dynamodb.models.catalog import MovieItem, ScreeningItem, TheaterItem
from chalicelib.domain.catalog import MovieDetails
from chalicelib.domain.errors import Conflict, Forbidden, InvalidRequest, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import parse_layout
from chalicelib.services.catalog import MAX_DAYS_LISTED, Catalog
from tests.fakes.clock import FakeClock

ADMIN = Principal("user-admin", "admin")
CUSTOMER = Principal("user-carol", "customer")
STAFF = Principal("user-sam", "staff")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DETAILS = MovieDetails("Amélie", "", ("Comedy",), 122, "R", date(2001, 4, 25))
LAYOUT = parse_layout({"rows": [{"label": "A", "seats": [{"number": 1}, {"number": 2}]}], "prices": {"standard": 900}})
BLOCKED_LAYOUT = parse_layout(
    {
        "rows": [{"label": "A", "seats": [{"number": 1}, {"number": 2}, {"number": 3, "blocked": True}]}],
        "prices": {"standard": 900},
    }
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def catalog(aws, clock) -> Catalog:
    return Catalog(
        DynamoMovies(), DynamoTheaters(), DynamoScreenings(clock), DynamoSeatInventory(), clock, cleaning_minutes=20
    )


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


def test_a_new_screening_has_exactly_its_layouts_seats(catalog):
    movie = catalog.add_movie(ADMIN, DETAILS)
    theater = catalog.add_theater(ADMIN, "Screen 1", BLOCKED_LAYOUT)

    screening, available = catalog.schedule_screening(ADMIN, movie.id, theater.id, datetime(2026, 6, 2, 19, tzinfo=UTC))

    assert available == 2
    assert {seat.seat_id: seat.status for seat in SeatItem.query(screening.id)} == {
        "A1": "available",
        "A2": "available",
        "A3": "blocked",
    }


def test_an_overlapping_screening_is_refused_and_leaves_no_seats(catalog):
    movie = catalog.add_movie(ADMIN, DETAILS)
    theater = catalog.add_theater(ADMIN, "Screen 1", LAYOUT)
    first, _ = catalog.schedule_screening(ADMIN, movie.id, theater.id, datetime(2026, 6, 2, 19, tzinfo=UTC))

    with pytest.raises(Conflict) as refused:
        catalog.schedule_screening(ADMIN, movie.id, theater.id, datetime(2026, 6, 2, 21, tzinfo=UTC))

    assert refused.value.code == "screening_overlap"
    assert {seat.screening_id for seat in SeatItem.scan()} == {first.id}


def test_a_screening_in_a_theater_deleted_meanwhile_is_refused_and_leaves_no_seats(catalog):
    movie = catalog.add_movie(ADMIN, DETAILS)
    theater = catalog.add_theater(ADMIN, "Screen 1", LAYOUT)
    TheaterItem(id=theater.id).delete()  # after the service read it: only theater_exists stands in the way
    catalog.theaters = _Remembering(theater)

    with pytest.raises(NotFound) as refused:
        catalog.schedule_screening(ADMIN, movie.id, theater.id, datetime(2026, 6, 2, 19, tzinfo=UTC))

    assert refused.value.code == "theater_not_found"
    assert (ScreeningItem.count(), list(SeatItem.scan())) == (0, [])


class _Remembering:
    """A theater repository that still answers with a theater read before it was deleted."""

    def __init__(self, theater):
        self._theater = theater

    def get(self, theater_id):
        return self._theater


def test_a_screenings_seats_available_count_what_a_visitor_could_take_now(catalog, clock):
    movie = catalog.add_movie(ADMIN, DETAILS)
    theater = catalog.add_theater(ADMIN, "Screen 1", LAYOUT)
    screening, _ = catalog.schedule_screening(ADMIN, movie.id, theater.id, datetime(2026, 6, 2, 19, tzinfo=UTC))
    later = int(clock.now().timestamp() * 1000) + 60_000
    SeatItem(screening.id, "A1").update(actions=[SeatItem.status.set("held"), SeatItem.expires_at_ms.set(later)])

    assert catalog.screening(screening.id)[1] == 1
    clock.advance(61)
    assert catalog.screening(screening.id)[1] == 2


def test_a_day_by_day_range_is_bounded(catalog):
    start = datetime(2026, 6, 1, tzinfo=UTC)
    widest = datetime(2026, 7, 2, tzinfo=UTC)
    assert (widest - start).days == MAX_DAYS_LISTED

    assert catalog.list_screenings(None, None, start, widest, 20, None).items == []
    with pytest.raises(InvalidRequest):
        catalog.list_screenings(None, None, start, datetime(2026, 7, 2, 0, 5, tzinfo=UTC), 20, None)
