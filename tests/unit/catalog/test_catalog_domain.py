"""The catalog's rules without storage: title search, the theater schedule, what counts as an available seat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.catalog import (
    MAX_SLOTS_PER_SCREENING,
    SLOT_MINUTES,
    MovieDetails,
    MovieSearch,
    Screening,
    Theater,
    busy_until,
    check_start,
    normalise,
    overlaps,
    search_words,
)
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.layout import parse_layout

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LAYOUT = parse_layout(
    {
        "rows": [{"label": "A", "seats": [{"number": 1}, {"number": 2}, {"number": 3, "blocked": True}]}],
        "prices": {"standard": 900},
    }
)
THEATER = Theater(id="thr_1", name="Screen 1", layout=LAYOUT)


def movie(title: str = "Amélie", genres: tuple[str, ...] = ("Comedy",), duration: int = 120, movie_id: str = "mov_1"):
    details = MovieDetails(
        title=title,
        description="",
        genres=genres,
        duration_minutes=duration,
        rating="R",
        release_date=date(2001, 4, 25),
    )
    return details.with_id(movie_id)


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


# Search


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Amélie", "amelie"),
        ("  LÉON: the Professional ", "leon the professional"),
        ("Straße", "strasse"),
        ("\uff26\uff55\uff4c\uff4c Width", "full width"),  # full-width letters
        ("Crème-Brûlée!", "creme brulee"),
        ("!!!", ""),
    ],
)
def test_normalised_text_has_no_case_accents_or_punctuation(text, normalised):
    assert normalise(text) == normalised


def test_a_query_matches_when_every_word_begins_a_title_word():
    amelie = movie("Le Fabuleux Destin d'Amélie Poulain")

    assert amelie.matches(search_words("amelie"), None)
    assert amelie.matches(search_words("POUL fabul"), None)
    assert amelie.matches(search_words("Amélie"), None)
    assert not amelie.matches(search_words("amelie matrix"), None)
    assert not amelie.matches(search_words("melie"), None)  # inside a word is not a word's beginning


def test_a_genre_filter_matches_a_whole_genre_ignoring_case_and_accents():
    film = movie(genres=("Science Fiction", "Drame"))

    assert film.matches((), "science fiction")
    assert film.matches((), "DRAMÉ")
    assert not film.matches((), "Science")
    assert not film.matches((), "Comedy")


def test_repeated_genres_are_kept_once_in_the_order_first_given():
    assert movie(genres=("Drama", "drama", "Comedy", "DRAMA")).genres == ("Drama", "Comedy")


def test_a_search_of_too_many_words_is_refused_naming_the_field():
    with pytest.raises(InvalidRequest) as refused:
        MovieSearch.of("a b c d e f g h i", None)

    assert refused.value.details["fields"][0]["field"] == "search"


def test_a_blank_search_and_genre_match_everything():
    assert MovieSearch.of("  ", "") == MovieSearch((), None)


# Schedule


def test_a_theater_is_busy_until_the_end_plus_cleaning_rounded_up_to_a_slot():
    assert busy_until(at(21, 2), 20) == at(21, 25)
    assert busy_until(at(21, 0), 20) == at(21, 20)
    assert busy_until(at(21, 0, 1) + timedelta(seconds=1), 0) == at(21, 5, 1)


def test_a_screening_ends_after_the_movie_and_claims_every_slot_until_the_theater_is_clean():
    screening = Screening.schedule("scr_1", movie(duration=122), THEATER, at(19), cleaning_minutes=20)

    assert screening.ends_at == at(21, 2)
    assert screening.busy_until == at(21, 25)
    assert screening.slots[0] == at(19)
    assert screening.slots[-1] == at(21, 20)
    assert len(screening.slots) == (2 * 60 + 25) // SLOT_MINUTES
    assert screening.seats_total == 3
    assert screening.duration_minutes == 122


def test_a_start_given_in_another_time_zone_is_kept_in_utc():
    from zoneinfo import ZoneInfo

    paris = datetime(2026, 6, 2, 21, 0, tzinfo=ZoneInfo("Europe/Paris"))
    screening = Screening.schedule("scr_1", movie(), THEATER, paris, cleaning_minutes=20)

    assert screening.starts_at == at(19)
    assert screening.starts_at.tzinfo == UTC


def test_a_screening_that_would_keep_the_theater_busy_too_long_is_refused():
    longest = MAX_SLOTS_PER_SCREENING * SLOT_MINUTES

    Screening.schedule("scr_1", movie(duration=longest - 20), THEATER, at(10), cleaning_minutes=20)
    with pytest.raises(InvalidRequest) as refused:
        Screening.schedule("scr_2", movie(duration=longest - 19), THEATER, at(10), cleaning_minutes=20)

    assert refused.value.code == "screening_too_long"


def test_a_start_in_the_past_or_now_is_refused():
    for start in (NOW, NOW - timedelta(minutes=5)):
        with pytest.raises(InvalidRequest) as refused:
            check_start(start, NOW)
        assert refused.value.code == "starts_in_past"


@pytest.mark.parametrize("start", [at(19, 2), at(19, 0) + timedelta(seconds=30), NOW + timedelta(days=731)])
def test_a_start_off_a_five_minute_mark_or_too_far_ahead_is_refused_naming_starts_at(start):
    with pytest.raises(InvalidRequest) as refused:
        check_start(start, NOW)

    assert refused.value.code == "validation_error"
    assert refused.value.details["fields"][0]["field"] == "starts_at"


def test_a_start_on_a_mark_in_the_future_is_accepted():
    check_start(at(19, 5), NOW)


def test_screenings_in_different_theaters_never_overlap():
    first = Screening.schedule("scr_1", movie(), THEATER, at(19), cleaning_minutes=20)
    elsewhere = Theater(id="thr_2", name="Screen 2", layout=LAYOUT)
    second = Screening.schedule("scr_2", movie(), elsewhere, at(19), cleaning_minutes=20)

    assert not overlaps(first, second)


starts = st.integers(min_value=0, max_value=24 * 60 // SLOT_MINUTES).map(
    lambda n: at(8) + timedelta(minutes=SLOT_MINUTES * n)
)
durations = st.integers(min_value=1, max_value=300)
cleanings = st.integers(min_value=0, max_value=60)


@settings(max_examples=300, deadline=None)
@given(starts, durations, starts, durations, cleanings)
def test_two_screenings_share_a_slot_exactly_when_their_busy_times_overlap(start_a, length_a, start_b, length_b, clean):
    """The storage claims slots; the rule speaks of intervals. They must agree in every case."""
    first = Screening.schedule("scr_a", movie(duration=length_a), THEATER, start_a, clean)
    second = Screening.schedule("scr_b", movie(duration=length_b), THEATER, start_b, clean)

    share_a_slot = bool(set(first.slots) & set(second.slots))

    assert share_a_slot == overlaps(first, second)
    if not share_a_slot:
        later, earlier = (first, second) if first.starts_at >= second.starts_at else (second, first)
        assert later.starts_at >= earlier.ends_at + timedelta(minutes=clean)
