"""Catalog use cases: movies, theaters and screenings, and the storage ports they need.

Admin checks are made here again (the gateway's authorizer is the first line). The schedule rule (no two
screenings of one theater busy at once) is decided by the screening repository's conditional write, never
by a read here: two admins scheduling at the same moment cannot both win.

A screening's seats are the booking room's: they are created, and counted, through its `SeatInventory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chalicelib.domain.catalog import (
    Movie,
    MovieDetails,
    MovieSearch,
    Screening,
    ScreeningFilter,
    Theater,
    TheaterSummary,
    check_start,
)
from chalicelib.domain.clock import Clock, epoch_ms, new_id
from chalicelib.domain.errors import Conflict, InvalidRequest, NotFound, ServiceBusy
from chalicelib.domain.holds import SeatState, count_available
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import Layout
from chalicelib.domain.paging import Page
from chalicelib.services.booking_ports import SeatInventory

DEFAULT_DAYS_LISTED = 7
MAX_DAYS_LISTED = 31


class MovieRepository(Protocol):
    def add(self, movie: Movie) -> None: ...

    def get(self, movie_id: str) -> Movie:
        """The movie, or NotFound ``movie_not_found``."""
        ...

    def replace(self, movie: Movie) -> None:
        """NotFound ``movie_not_found``; Conflict ``movie_has_screenings`` when the duration of a movie
        with screenings would change (their end times and the theaters' schedules depend on it)."""
        ...

    def remove(self, movie_id: str) -> None:
        """NotFound ``movie_not_found``; Conflict ``movie_has_screenings``."""
        ...

    def search(self, search: MovieSearch, limit: int, cursor: str | None) -> Page[Movie]:
        """Movies matching `search` by normalised title then id; InvalidRequest ``invalid_cursor``."""
        ...


class TheaterRepository(Protocol):
    def add(self, theater: Theater) -> None: ...

    def get(self, theater_id: str) -> Theater:
        """The theater, or NotFound ``theater_not_found``."""
        ...

    def list(self, limit: int, cursor: str | None) -> Page[TheaterSummary]: ...


class ScreeningRepository(Protocol):
    def add(self, screening: Screening) -> None:
        """Store the screening and claim its theater's slots, in one write: from then on anyone can see it.

        Conflict ``screening_overlap`` (details name the other screening) when any of its slots is taken;
        NotFound ``movie_not_found`` / ``theater_not_found``; Conflict ``movie_changed`` when the movie's
        duration changed since it was read; Conflict ``schedule_contended`` when another write to the same
        items was under way; Conflict ``screening_exists``. Nothing is written then."""
        ...

    def get(self, screening_id: str) -> Screening:
        """The screening, or NotFound ``screening_not_found``."""
        ...

    def set_queue_mode(self, screening_id: str, queue_mode: bool) -> Screening:
        """The screening as updated, or NotFound ``screening_not_found``."""
        ...

    def list(self, screening_filter: ScreeningFilter, limit: int, cursor: str | None) -> Page[Screening]: ...


@dataclass(eq=False)
class Catalog:
    """Catalog use cases; the fields are the ports it needs (built by `bootstrap.Services`)."""

    movies: MovieRepository
    theaters: TheaterRepository
    screenings: ScreeningRepository
    seats: SeatInventory
    clock: Clock
    cleaning_minutes: int

    # Movies

    def add_movie(self, principal: Principal, details: MovieDetails) -> Movie:
        principal.require_admin()
        movie = details.with_id(new_id("mov_"))
        self.movies.add(movie)
        return movie

    def replace_movie(self, principal: Principal, movie_id: str, details: MovieDetails) -> Movie:
        principal.require_admin()
        movie = details.with_id(movie_id)
        self.movies.replace(movie)
        return movie

    def remove_movie(self, principal: Principal, movie_id: str) -> None:
        principal.require_admin()
        self.movies.remove(movie_id)

    def movie(self, movie_id: str) -> Movie:
        return self.movies.get(movie_id)

    def search_movies(self, search: MovieSearch, limit: int, cursor: str | None) -> Page[Movie]:
        return self.movies.search(search, limit, cursor)

    # Theaters

    def add_theater(self, principal: Principal, name: str, layout: Layout) -> Theater:
        principal.require_admin()
        theater = Theater(id=new_id("thr_"), name=name, layout=layout)
        self.theaters.add(theater)
        return theater

    def theater(self, theater_id: str) -> Theater:
        return self.theaters.get(theater_id)

    def list_theaters(self, limit: int, cursor: str | None) -> Page[TheaterSummary]:
        return self.theaters.list(limit, cursor)

    # Screenings

    def schedule_screening(
        self, principal: Principal, movie_id: str, theater_id: str, starts_at: datetime
    ) -> tuple[Screening, int]:
        """The new screening and how many of its seats are available (every seat the layout does not block).

        Its seats are stored first and the screening after, so no one ever sees a screening without its
        seats; a screening the schedule refuses, or that storage was too busy to write, has its seats taken
        back. (After an unknown error the screening may exist: its seats stay.)
        """
        principal.require_admin()
        check_start(starts_at, self.clock.now())
        movie = self.movies.get(movie_id)
        theater = self.theaters.get(theater_id)
        screening = Screening.schedule(new_id("scr_"), movie, theater, starts_at, self.cleaning_minutes)
        seats = theater.layout.seats
        try:
            self.seats.add_screening(screening.id, seats)
            self.screenings.add(screening)
        except (Conflict, NotFound, ServiceBusy) as refused:
            # screening_exists: the id is another screening's (64 random bits: never in practice); its seats stay.
            if refused.code != "screening_exists":
                self.seats.remove_screening(screening.id, [seat.id for seat in seats])
            raise
        opening = (SeatState.opening(seat) for seat in seats)
        return screening, count_available(opening, epoch_ms(self.clock.now()))

    def screening(self, screening_id: str) -> tuple[Screening, int]:
        """The screening and how many of its seats a visitor could take right now."""
        return self._with_seats_available(self.screenings.get(screening_id))

    def set_queue_mode(self, principal: Principal, screening_id: str, queue_mode: bool) -> tuple[Screening, int]:
        principal.require_admin()
        return self._with_seats_available(self.screenings.set_queue_mode(screening_id, queue_mode))

    def _with_seats_available(self, screening: Screening) -> tuple[Screening, int]:
        states = self.seats.seat_states(screening.id)
        return screening, count_available(states, epoch_ms(self.clock.now()))

    def list_screenings(
        self,
        movie_id: str | None,
        theater_id: str | None,
        starts_from: datetime | None,
        starts_before: datetime | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Screening]:
        """Screenings starting in [from, to), soonest first; from defaults to now.

        Without a movie or theater the range is read day by day, so it is bounded: `DEFAULT_DAYS_LISTED`
        days when `to` is not given, at most `MAX_DAYS_LISTED`."""
        start = (starts_from or self.clock.now()).astimezone(UTC)
        starts_before = starts_before.astimezone(UTC) if starts_before else None
        if starts_before is not None and starts_before <= start:
            raise _range_error("to", "must be after from")
        if movie_id is None and theater_id is None:
            if starts_before is None:
                starts_before = start + timedelta(days=DEFAULT_DAYS_LISTED)
            elif starts_before - start > timedelta(days=MAX_DAYS_LISTED):
                raise _range_error("to", f"at most {MAX_DAYS_LISTED} days after from without movie_id or theater_id")
        screening_filter = ScreeningFilter(start, starts_before, movie_id, theater_id)
        return self.screenings.list(screening_filter, limit, cursor)


def _range_error(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        "validation_error",
        f"The date range is invalid: {field} {message}.",
        {"fields": [{"field": field, "message": message}]},
    )
