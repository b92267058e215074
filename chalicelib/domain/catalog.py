"""The catalog: movies, theaters and screenings, the title search rule and the theater schedule rule.

Search. A title is searched by its words, ignoring case and accents: text is normalised (Unicode NFKD,
combining marks dropped, casefolded) and split into words. A query matches a title when *every* query
word begins a word of the title (``"amel"`` finds ``"Le Fabuleux Destin d'Amélie Poulain"``).

Schedule. A theater is busy from a screening's start until the movie ends plus the cleaning time,
rounded up to the next `SLOT_MINUTES` mark; screenings start on such a mark. Two screenings of one
theater may not be busy at the same moment. Because every busy interval is a whole number of slots,
"the intervals intersect" and "they share a slot" are the same statement: storage enforces the rule by
claiming one item per slot with a condition, so two admins racing cannot both win.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.clock import iso
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.layout import Layout

SLOT_MINUTES = 5
"""Screenings start on a 5-minute mark and a theater's busy time is counted in 5-minute slots."""

MAX_SLOTS_PER_SCREENING = 96
"""8 hours of busy time. One DynamoDB transaction holds at most 100 items: the screening, the movie,
the theater check and its slots must fit."""

MAX_DAYS_AHEAD = 730
MAX_SEARCH_WORDS = 8

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Words of `text` without case or accents, joined by single spaces: ``"Amélie!"`` -> ``"amelie"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(stripped.casefold()))


def search_words(query: str | None) -> tuple[str, ...]:
    """The distinct normalised words of a search query, in order."""
    words = dict.fromkeys(normalise(query or "").split())
    if len(words) > MAX_SEARCH_WORDS:
        raise InvalidRequest(
            "validation_error",
            f"Search with at most {MAX_SEARCH_WORDS} words.",
            {"fields": [{"field": "search", "message": f"at most {MAX_SEARCH_WORDS} words"}]},
        )
    return tuple(words)


@dataclass(frozen=True)
class MovieDetails:
    """What an admin writes about a movie; genres are kept in the order given, without repeats."""

    title: str
    description: str
    genres: tuple[str, ...]
    duration_minutes: int
    rating: str
    release_date: date

    def __post_init__(self) -> None:
        unique: dict[str, str] = {}
        for genre in self.genres:
            unique.setdefault(normalise(genre), genre)
        object.__setattr__(self, "genres", tuple(unique.values()))

    def with_id(self, movie_id: str) -> Movie:
        return Movie(**{**asdict(self), "genres": self.genres}, id=movie_id)


@dataclass(frozen=True)
class Movie(MovieDetails):
    id: str

    @property
    def search_text(self) -> str:
        """The normalised title padded with spaces, so that ``" " + word`` finds a word's beginning."""
        return f" {normalise(self.title)} "

    @property
    def genre_text(self) -> str:
        """The normalised genres between bars, so that ``"|drama|"`` finds exactly that genre."""
        return "|" + "|".join(normalise(genre) for genre in self.genres) + "|"

    def matches(self, words: Sequence[str], genre: str | None) -> bool:
        """The search rule; storage adapters express the same rule as a filter on `search_text`/`genre_text`."""
        found = all(f" {word}" in self.search_text for word in words)
        return found and (not genre or f"|{normalise(genre)}|" in self.genre_text)


@dataclass(frozen=True)
class MovieSearch:
    words: tuple[str, ...] = ()
    genre: str | None = None
    """Normalised genre, or None for every genre."""

    @classmethod
    def of(cls, search: str | None, genre: str | None) -> MovieSearch:
        return cls(search_words(search), (normalise(genre) or None) if genre else None)


@dataclass(frozen=True)
class Theater:
    id: str
    name: str
    layout: Layout

    @property
    def seats_total(self) -> int:
        return self.layout.seats_total


@dataclass(frozen=True)
class TheaterSummary:
    """A theater in a list: no layout (a layout can be tens of kilobytes)."""

    id: str
    name: str
    seats_total: int


def check_start(starts_at: datetime, now: datetime) -> None:
    """A screening starts in the future, on a slot mark, at most `MAX_DAYS_AHEAD` days from now."""
    if starts_at <= now:
        raise InvalidRequest(
            "starts_in_past", f"A screening must start in the future; {iso(starts_at)} has passed.", {"now": iso(now)}
        )
    if starts_at.second or starts_at.microsecond or starts_at.minute % SLOT_MINUTES:
        raise InvalidRequest(
            "validation_error",
            f"A screening starts on a {SLOT_MINUTES}-minute mark (19:00, 19:05...).",
            {"fields": [{"field": "starts_at", "message": f"must be on a {SLOT_MINUTES}-minute mark"}]},
        )
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidRequest(
            "validation_error",
            f"A screening can be scheduled at most {MAX_DAYS_AHEAD} days ahead.",
            {"fields": [{"field": "starts_at", "message": f"at most {MAX_DAYS_AHEAD} days ahead"}]},
        )


def busy_until(ends_at: datetime, cleaning_minutes: int) -> datetime:
    """When the theater is free again: the end plus cleaning, rounded up to the next slot mark."""
    free_at = ends_at + timedelta(minutes=cleaning_minutes)
    epoch_minutes = -(-int(free_at.timestamp()) // 60)
    rounded = -(-epoch_minutes // SLOT_MINUTES) * SLOT_MINUTES
    return datetime.fromtimestamp(rounded * 60, UTC)


def slots_between(start: datetime, end: datetime) -> list[datetime]:
    """The slot marks covering [start, end); `start` and `end` are on marks."""
    count = int((end - start).total_seconds()) // (SLOT_MINUTES * 60)
    return [start + timedelta(minutes=SLOT_MINUTES * index) for index in range(count)]


def overlaps(first: Screening, second: Screening) -> bool:
    """The schedule rule stated on intervals (the storage states it on slots; a property test ties the two)."""
    return first.theater_id == second.theater_id and (
        first.starts_at < second.busy_until and second.starts_at < first.busy_until
    )


@dataclass(frozen=True)
class Screening:
    id: str
    movie_id: str
    theater_id: str
    starts_at: datetime
    ends_at: datetime
    busy_until: datetime
    """The theater is free again (cleaning done) at this slot mark."""
    seats_total: int
    queue_mode: bool = False

    @classmethod
    def schedule(
        cls, screening_id: str, movie: Movie, theater: Theater, starts_at: datetime, cleaning_minutes: int
    ) -> Screening:
        starts_at = starts_at.astimezone(UTC)
        ends_at = starts_at + timedelta(minutes=movie.duration_minutes)
        screening = cls(
            id=screening_id,
            movie_id=movie.id,
            theater_id=theater.id,
            starts_at=starts_at,
            ends_at=ends_at,
            busy_until=busy_until(ends_at, cleaning_minutes),
            seats_total=theater.seats_total,
        )
        if len(screening.slots) > MAX_SLOTS_PER_SCREENING:
            raise InvalidRequest(
                "screening_too_long",
                f"A screening may keep a theater busy for at most {MAX_SLOTS_PER_SCREENING * SLOT_MINUTES} minutes"
                " including cleaning.",
            )
        return screening

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds()) // 60

    @property
    def slots(self) -> list[datetime]:
        """The theater's slots this screening occupies, from its start until the theater is free again."""
        return slots_between(self.starts_at, self.busy_until)


@dataclass(frozen=True)
class ScreeningFilter:
    """Screenings starting in [starts_from, starts_before), optionally of one movie and/or in one theater."""

    starts_from: datetime
    starts_before: datetime | None = None
    movie_id: str | None = None
    theater_id: str | None = None
