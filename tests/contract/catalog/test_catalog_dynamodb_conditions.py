"""The catalog's DynamoDB repositories: every condition they write with, made to fail, and what it then says.

There is no read before any of these writes: when a test calls two writes one after the other, the second
meets exactly the state a racing admin would have left, and only the condition stands in its way.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from chalicelib.adapters.dynamodb.booking import DynamoSeatInventory
from chalicelib.adapters.dynamodb.catalog import (
    DynamoMovies,
    DynamoScreenings,
    DynamoTheaters,
    layout_document,
)
from chalicelib.adapters.dynamodb.models.booking import SeatItem
from chalicelib.adapters.dynamodb.models.catalog import MovieItem, ScreeningItem, TheaterItem, TheaterSlotItem
from chalicelib.domain.catalog import MovieDetails, MovieSearch, Screening, Theater
from chalicelib.domain.errors import Conflict, InvalidRequest, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import parse_layout
from chalicelib.services.catalog import Catalog
from tests.fakes.clock import FakeClock

LAYOUT = parse_layout(
    {
        "rows": [
            {"label": "A", "seats": [{"number": 1}, {"number": 2}, {"number": 3, "blocked": True}]},
            {"label": "B", "seats": [{"number": 1, "category": "vip"}]},
        ],
        "prices": {"standard": 900, "vip": 1500},
    }
)
EVENING = datetime(2026, 6, 2, 19, 0, tzinfo=UTC)
ADMIN = Principal("user-admin", "admin")


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def repositories(aws, clock):
    return DynamoMovies(), DynamoTheaters(), DynamoScreenings(clock)


@pytest.fixture
def movies(repositories):
    return repositories[0]


@pytest.fixture
def theaters(repositories):
    return repositories[1]


@pytest.fixture
def screenings(repositories):
    return repositories[2]


@pytest.fixture
def movie(movies):
    details = MovieDetails("Amélie", "", ("Comedy",), 122, "R", date(2001, 4, 25))
    stored = details.with_id("mov_amelie")
    movies.add(stored)
    return stored


@pytest.fixture
def theater(theaters):
    stored = Theater(id="thr_1", name="Screen 1", layout=LAYOUT)
    theaters.add(stored)
    return stored


def scheduled(screening_id: str, movie, theater, starts_at: datetime = EVENING) -> Screening:
    return Screening.schedule(screening_id, movie, theater, starts_at, cleaning_minutes=20)


# Movies


def test_movie_id_is_new_refuses_a_second_movie_with_the_same_id(movies, movie):
    with pytest.raises(Conflict) as refused:
        movies.add(replace(movie, title="Another"))

    assert refused.value.code == "movie_exists"
    assert movies.get(movie.id).title == "Amélie"


def test_movie_exists_keeps_a_replace_from_creating_a_movie(movies):
    ghost = MovieDetails("Ghost", "", (), 90, "PG", date(2020, 1, 1)).with_id("mov_ghost")

    with pytest.raises(NotFound) as refused:
        movies.replace(ghost)

    assert refused.value.code == "movie_not_found"
    assert MovieItem.count() == 0


def test_schedules_stay_valid_refuses_a_new_duration_once_a_screening_exists(movies, screenings, movie, theater):
    screenings.add(scheduled("scr_1", movie, theater))

    with pytest.raises(Conflict) as refused:
        movies.replace(replace(movie, duration_minutes=180))

    assert refused.value.code == "movie_has_screenings"
    assert movies.get(movie.id).duration_minutes == 122
    movies.replace(replace(movie, title="Amélie (restored)"))
    assert movies.get(movie.id).title == "Amélie (restored)"


def test_movie_has_no_screenings_refuses_a_delete(movies, screenings, movie, theater):
    screenings.add(scheduled("scr_1", movie, theater))

    with pytest.raises(Conflict) as refused:
        movies.remove(movie.id)

    assert refused.value.code == "movie_has_screenings"
    assert movies.get(movie.id) == movie


def test_movie_exists_makes_deleting_twice_a_not_found(movies, movie):
    movies.remove(movie.id)

    with pytest.raises(NotFound):
        movies.remove(movie.id)


def test_search_filters_on_the_stored_normalised_title_and_genres(movies, movie):
    assert [found.id for found in movies.search(MovieSearch.of("AMÉ", "comedy"), 10, None).items] == [movie.id]
    assert movies.search(MovieSearch.of("ame", "drama"), 10, None).items == []


# Theaters


def test_theater_id_is_new_refuses_a_second_theater_with_the_same_id(theaters, theater):
    with pytest.raises(Conflict) as refused:
        theaters.add(replace(theater, name="Another"))

    assert refused.value.code == "theater_exists"
    assert theaters.get(theater.id).name == "Screen 1"


def test_a_theater_reads_back_with_the_same_layout(theaters, theater):
    assert theaters.get(theater.id) == theater


def test_a_theater_item_stores_its_layout_document(theater):
    assert TheaterItem.get(theater.id).layout == layout_document(LAYOUT)


# Screenings: the transaction


def test_a_screening_is_stored_with_its_slots(screenings, movie, theater):
    screening = scheduled("scr_1", movie, theater)

    screenings.add(screening)

    assert screenings.get("scr_1") == screening
    slots = [slot.slot for slot in TheaterSlotItem.query(theater.id)]
    assert slots == [f"2026-06-02T{hour:02d}:{minute:02d}:00Z" for hour, minute in _marks(19, 0, 21, 25)]
    assert MovieItem.get(movie.id).screenings_count == 1


def _marks(hour: int, minute: int, end_hour: int, end_minute: int):
    while (hour, minute) < (end_hour, end_minute):
        yield hour, minute
        minute += 5
        if minute == 60:
            hour, minute = hour + 1, 0


def test_slot_is_unclaimed_lets_only_one_of_two_overlapping_screenings_in(screenings, movie, theater):
    """Both were built from the same view of the world (as two admins at once would); only one gets in."""
    first = scheduled("scr_1", movie, theater)
    second = scheduled("scr_2", movie, theater, datetime(2026, 6, 2, 21, 20, tzinfo=UTC))  # during cleaning

    screenings.add(first)
    with pytest.raises(Conflict) as refused:
        screenings.add(second)

    assert refused.value.code == "screening_overlap"
    assert refused.value.details["screening_id"] == "scr_1"
    assert ScreeningItem.count() == 1
    assert {slot.screening_id for slot in TheaterSlotItem.query(theater.id)} == {"scr_1"}
    assert MovieItem.get(movie.id).screenings_count == 1


def test_theater_exists_refuses_a_screening_in_a_theater_that_is_not_stored(screenings, movie):
    nowhere = Theater(id="thr_gone", name="Gone", layout=LAYOUT)

    with pytest.raises(NotFound) as refused:
        screenings.add(scheduled("scr_1", movie, nowhere))

    assert refused.value.code == "theater_not_found"
    assert ScreeningItem.count() == 0


def test_movie_is_unchanged_refuses_a_screening_of_a_deleted_movie(movies, screenings, movie, theater):
    screening = scheduled("scr_1", movie, theater)
    movies.remove(movie.id)

    with pytest.raises(NotFound) as refused:
        screenings.add(screening)

    assert refused.value.code == "movie_not_found"
    assert ScreeningItem.count() == 0
    assert MovieItem.count() == 0  # the update did not bring the movie back


def test_movie_is_unchanged_refuses_a_screening_timed_with_an_old_duration(movies, screenings, movie, theater):
    screening = scheduled("scr_1", movie, theater)
    movies.replace(replace(movie, duration_minutes=150))

    with pytest.raises(Conflict) as refused:
        screenings.add(screening)

    assert refused.value.code == "movie_changed"
    assert ScreeningItem.count() == 0
    assert list(TheaterSlotItem.query(theater.id)) == []


def test_screening_id_is_new_refuses_a_second_screening_with_the_same_id(screenings, movie, theater):
    screenings.add(scheduled("scr_1", movie, theater))
    tomorrow = scheduled("scr_1", movie, theater, datetime(2026, 6, 3, 19, 0, tzinfo=UTC))

    with pytest.raises(Conflict) as refused:
        screenings.add(tomorrow)

    assert refused.value.code == "screening_exists"
    assert screenings.get("scr_1").starts_at == EVENING
    assert {slot.screening_id for slot in TheaterSlotItem.query(theater.id)} == {"scr_1"}


def test_queue_mode_of_a_missing_screening_is_not_found_and_creates_nothing(screenings):
    with pytest.raises(NotFound):
        screenings.set_queue_mode("scr_gone", True)

    assert ScreeningItem.count() == 0


@pytest.fixture
def atomic_requests(monkeypatch):
    """Each AWS request handled whole, as DynamoDB does: in-process moto takes no lock of its own
    (tests/contract/localcloud), so without this the race would be moto's, not ours."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    handle = BotocoreStubber.process_request

    def one_at_a_time(self, request):
        with lock:
            return handle(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_at_a_time)


@pytest.fixture
def catalog(repositories, clock):
    movies, theaters, screenings = repositories
    return Catalog(movies, theaters, screenings, DynamoSeatInventory(), clock, cleaning_minutes=20)


def test_two_admins_racing_for_one_evening_get_exactly_one_screening(atomic_requests, catalog, movie, theater):
    """Threads interleave their requests freely: the slot conditions still admit exactly one screening,
    and only the winner's seats are left."""
    starts = [datetime(2026, 6, 2, 19, minute, tzinfo=UTC) for minute in (0, 5, 10, 15)]
    barrier = threading.Barrier(len(starts))
    outcomes: list[str] = []

    def schedule(starts_at: datetime) -> None:
        barrier.wait()
        try:
            catalog.schedule_screening(ADMIN, movie.id, theater.id, starts_at)
            outcomes.append("created")
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=schedule, args=(starts_at,)) for starts_at in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("created") == 1
    assert all(outcome in ("created", "screening_overlap", "schedule_contended") for outcome in outcomes)
    assert ScreeningItem.count() == 1
    winner = next(iter(ScreeningItem.scan())).id
    assert {slot.screening_id for slot in TheaterSlotItem.query(theater.id)} == {winner}
    assert {seat.screening_id for seat in SeatItem.scan()} == {winner}


# Cursors


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "W10", "eyJpZCI6IDF9", "x" * 1025])
def test_a_cursor_that_is_not_ours_is_invalid_cursor(movies, cursor):
    with pytest.raises(InvalidRequest) as refused:
        movies.search(MovieSearch(), 10, cursor)

    assert refused.value.code == "invalid_cursor"
