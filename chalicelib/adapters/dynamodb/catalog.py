"""DynamoDB repositories of the catalog (tables in `models.catalog`), translating storage errors at the boundary.

Scheduling a screening without overlap, under a race. A screening claims every 5-minute slot during which
it keeps its theater busy (start to end plus cleaning, see `chalicelib.domain.catalog`): one
``theater_slots`` item per slot, put with ``slot_is_unclaimed`` (``attribute_not_exists``) in the *same*
transaction as the screening itself, the movie's ``movie_is_unchanged`` and the theater's
``theater_exists``. Two admins scheduling overlapping screenings at once both try to put a shared slot:
DynamoDB lets exactly one transaction through. Chosen over a per-theater version counter (read the
theater's screenings, write guarded by the version) because it needs no read, and schedules of different
hours never contend. Cost: one write per 5 minutes of busy time, 2 WCU each in a transaction; a 3-hour
movie with cleaning is ~40 items, within the 100-item transaction limit (`MAX_SLOTS_PER_SCREENING`).

The seat inventory is the booking room's (`SeatInventory`): the catalog service has it written before
this transaction makes the screening visible, and taken back when the transaction is refused.

A layout is stored on its theater item as JSON in the shape `parse_layout` reads (`layout_document`), so
reading it back goes through the one validating constructor of a layout.

Cursors are base64url JSON of the last returned item's key, checked on the way back in (the right key
names, a partition and range inside this query) so a forged one is a 400, never a DynamoDB error.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.base import Cancellation, Transaction, busy, refused_as
from chalicelib.adapters.dynamodb.models.catalog import (
    MOVIE_LISTING,
    THEATER_LISTING,
    MovieItem,
    ScreeningItem,
    TheaterItem,
    TheaterSlotItem,
)
from chalicelib.adapters.dynamodb.paging import decode_cursor, invalid_cursor, page_of
from chalicelib.domain.catalog import (
    Movie,
    MovieSearch,
    Screening,
    ScreeningFilter,
    Theater,
    TheaterSummary,
    normalise,
)
from chalicelib.domain.clock import Clock, epoch_ms, iso, parse_iso
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.layout import Layout, parse_layout
from chalicelib.domain.paging import Page

FILTERED_PAGE_SIZE = 100
SLOT_KEPT_AFTER = timedelta(days=7)


# Cursors


def _start_key(values: dict[str, str] | None) -> dict[str, dict[str, str]] | None:
    return None if values is None else {name: {"S": value} for name, value in values.items()}


def _page_of(results: Iterable[Model], limit: int, key_names: Sequence[str]) -> tuple[list[Any], str | None]:
    """`page_of` with a cursor of the last item's string keys."""
    return page_of(results, limit, lambda last: {name: getattr(last, name) for name in key_names})


def _all_of(conditions: Sequence[Condition]) -> Condition | None:
    return functools.reduce(operator.and_, conditions) if conditions else None


# Movies


def _movie(item: MovieItem) -> Movie:
    return Movie(
        id=item.id,
        title=item.title,
        description=item.description,
        genres=tuple(item.genres or ()),
        duration_minutes=int(item.duration_minutes),
        rating=item.rating,
        release_date=date.fromisoformat(item.release_date),
    )


def _title_key(movie: Movie) -> str:
    return f"{normalise(movie.title)[:200]}#{movie.id}"


def _movie_not_found(movie_id: str) -> NotFound:
    return NotFound("movie_not_found", f"There is no movie {movie_id}.", {"movie_id": movie_id})


class DynamoMovies:
    TITLE_KEYS = ("listing", "title_key", "id")

    def add(self, movie: Movie) -> None:
        item = MovieItem(
            id=movie.id,
            listing=MOVIE_LISTING,
            title_key=_title_key(movie),
            title=movie.title,
            description=movie.description,
            genres=list(movie.genres),
            duration_minutes=movie.duration_minutes,
            rating=movie.rating,
            release_date=movie.release_date.isoformat(),
            search_text=movie.search_text,
            genre_text=movie.genre_text,
            screenings_count=0,
        )
        movie_id_is_new = MovieItem.id.does_not_exist()
        with refused_as(lambda: Conflict("movie_exists", f"Movie {movie.id} already exists.")):
            item.save(condition=movie_id_is_new)

    def get(self, movie_id: str) -> Movie:
        try:
            return _movie(MovieItem.get(movie_id))
        except DoesNotExist as exc:
            raise _movie_not_found(movie_id) from exc

    def replace(self, movie: Movie) -> None:
        movie_exists = MovieItem.id.exists()
        schedules_stay_valid = (
            (MovieItem.duration_minutes == movie.duration_minutes)
            | (MovieItem.screenings_count == 0)
            | MovieItem.screenings_count.does_not_exist()
        )
        actions: list[Action] = [
            MovieItem.title.set(movie.title),
            MovieItem.title_key.set(_title_key(movie)),
            MovieItem.description.set(movie.description),
            MovieItem.genres.set(list(movie.genres)),
            MovieItem.duration_minutes.set(movie.duration_minutes),
            MovieItem.rating.set(movie.rating),
            MovieItem.release_date.set(movie.release_date.isoformat()),
            MovieItem.search_text.set(movie.search_text),
            MovieItem.genre_text.set(movie.genre_text),
        ]
        with refused_as(lambda: self._has_screenings(movie.id, "its duration cannot change")):
            MovieItem(id=movie.id).update(actions=actions, condition=movie_exists & schedules_stay_valid)

    def remove(self, movie_id: str) -> None:
        movie_exists = MovieItem.id.exists()
        movie_has_no_screenings = (MovieItem.screenings_count == 0) | MovieItem.screenings_count.does_not_exist()
        with refused_as(lambda: self._has_screenings(movie_id, "it cannot be deleted")):
            MovieItem(id=movie_id).delete(condition=movie_exists & movie_has_no_screenings)

    def _has_screenings(self, movie_id: str, what: str) -> Conflict:
        """Which condition refused: ``movie_exists`` (raises movie_not_found here) or the screenings one."""
        self.get(movie_id)
        return Conflict("movie_has_screenings", f"Movie {movie_id} has screenings, so {what}.", {"movie_id": movie_id})

    def search(self, search: MovieSearch, limit: int, cursor: str | None) -> Page[Movie]:
        start = decode_cursor(cursor, self.TITLE_KEYS)
        if start and (start["listing"] != MOVIE_LISTING or not start["title_key"].endswith("#" + start["id"])):
            raise invalid_cursor("not a cursor of this list")
        filters = [MovieItem.search_text.contains(f" {word}") for word in search.words]
        if search.genre:
            filters.append(MovieItem.genre_text.contains(f"|{search.genre}|"))
        results = MovieItem.by_title.query(
            MOVIE_LISTING,
            filter_condition=_all_of(filters),
            last_evaluated_key=_start_key(start),
            page_size=FILTERED_PAGE_SIZE if filters else limit + 1,
        )
        items, next_cursor = _page_of(results, limit, self.TITLE_KEYS)
        return Page([_movie(item) for item in items], next_cursor)


# Theaters


def layout_document(layout: Layout) -> str:
    """The stored form of a layout: compact JSON of rows (label, seats, aisles) and prices."""
    rows = [
        {
            "label": row.label,
            "seats": [
                {"number": seat.number, "category": seat.category, **({"blocked": True} if seat.blocked else {})}
                for seat in row.seats
            ],
            "aisles_after": sorted(row.aisles_after),
        }
        for row in layout.rows
    ]
    return json.dumps({"rows": rows, "prices": dict(sorted(layout.prices.items()))}, separators=(",", ":"))


def stored_layout(document: str) -> Layout:
    """The layout a theater item stores; `parse_layout` derives seat ids, positions and prices as on the way in."""
    return parse_layout(json.loads(document))


def _theater_not_found(theater_id: str) -> NotFound:
    return NotFound("theater_not_found", f"There is no theater {theater_id}.", {"theater_id": theater_id})


class DynamoTheaters:
    NAME_KEYS = ("listing", "name_key", "id")

    def add(self, theater: Theater) -> None:
        item = TheaterItem(
            id=theater.id,
            listing=THEATER_LISTING,
            name_key=f"{normalise(theater.name)[:100]}#{theater.id}",
            name=theater.name,
            layout=layout_document(theater.layout),
            seats_total=theater.seats_total,
        )
        theater_id_is_new = TheaterItem.id.does_not_exist()
        with refused_as(lambda: Conflict("theater_exists", f"Theater {theater.id} already exists.")):
            item.save(condition=theater_id_is_new)

    def get(self, theater_id: str) -> Theater:
        try:
            item = TheaterItem.get(theater_id)
        except DoesNotExist as exc:
            raise _theater_not_found(theater_id) from exc
        return Theater(id=item.id, name=item.name, layout=stored_layout(item.layout))

    def list(self, limit: int, cursor: str | None) -> Page[TheaterSummary]:
        start = decode_cursor(cursor, self.NAME_KEYS)
        if start and (start["listing"] != THEATER_LISTING or not start["name_key"].endswith("#" + start["id"])):
            raise invalid_cursor("not a cursor of this list")
        results = TheaterItem.by_name.query(THEATER_LISTING, last_evaluated_key=_start_key(start), page_size=limit + 1)
        items, next_cursor = _page_of(results, limit, self.NAME_KEYS)
        summaries = [TheaterSummary(item.id, item.name, int(item.seats_total)) for item in items]
        return Page(summaries, next_cursor)


# Screenings


def _screening(item: ScreeningItem) -> Screening:
    return Screening(
        id=item.id,
        movie_id=item.movie_id,
        theater_id=item.theater_id,
        starts_at=parse_iso(item.starts_at),
        ends_at=parse_iso(item.ends_at),
        busy_until=parse_iso(item.busy_until),
        seats_total=int(item.seats_total),
        queue_mode=bool(item.queue_mode),
    )


def _screening_not_found(screening_id: str) -> NotFound:
    return NotFound("screening_not_found", f"There is no screening {screening_id}.", {"screening_id": screening_id})


class DynamoScreenings:
    def __init__(self, clock: Clock):
        self._clock = clock

    def add(self, screening: Screening) -> None:
        """One transaction: the theater's check, the screening, one put per slot, the movie's count."""
        item = ScreeningItem(
            id=screening.id,
            movie_id=screening.movie_id,
            theater_id=screening.theater_id,
            starts_at=iso(screening.starts_at),
            ends_at=iso(screening.ends_at),
            busy_until=iso(screening.busy_until),
            day=screening.starts_at.date().isoformat(),
            seats_total=screening.seats_total,
            queue_mode=screening.queue_mode,
            created_at_ms=epoch_ms(self._clock.now()),
        )
        theater_exists = TheaterItem.id.exists()
        screening_id_is_new = ScreeningItem.id.does_not_exist()
        slot_is_unclaimed = TheaterSlotItem.slot.does_not_exist()
        movie_is_unchanged = MovieItem.id.exists() & (MovieItem.duration_minutes == screening.duration_minutes)
        tx = Transaction(ScreeningItem, token=screening.id)
        tx.check("theater", TheaterItem, screening.theater_id, theater_exists)
        tx.save("screening", item, screening_id_is_new)
        for slot in screening.slots:
            slot_item = TheaterSlotItem(
                theater_id=screening.theater_id,
                slot=iso(slot),
                screening_id=screening.id,
                purge_at=screening.busy_until + SLOT_KEPT_AFTER,
            )
            tx.save(f"slot:{iso(slot)}", slot_item, slot_is_unclaimed, all_old=True)
        movie = MovieItem(id=screening.movie_id)
        tx.update("movie", movie, [MovieItem.screenings_count.add(1)], movie_is_unchanged, all_old=True)
        cancelled = tx.commit()
        if cancelled is not None and cancelled.conflict_only:
            raise busy() from cancelled.error  # nothing refused it: another transaction was on one of its items
        if cancelled is not None:
            raise self._refusal(screening, cancelled) from cancelled.error

    def _refusal(self, screening: Screening, cancelled: Cancellation) -> Conflict | NotFound:
        """Why the transaction was cancelled, in the domain's words."""
        if cancelled.failed("theater"):
            return _theater_not_found(screening.theater_id)
        if cancelled.failed("movie"):
            if not cancelled.old_item("movie"):
                return _movie_not_found(screening.movie_id)
            return Conflict(
                "movie_changed",
                f"Movie {screening.movie_id} changed its duration while this screening was scheduled; try again.",
                {"movie_id": screening.movie_id},
            )
        for label in cancelled.failed_labels("slot:"):
            claimed = cancelled.old_item(label)
            if claimed:
                return self._overlap(screening, claimed["screening_id"]["S"])
        if cancelled.failed("screening"):
            return Conflict("screening_exists", f"Screening {screening.id} already exists.")
        return Conflict(
            "schedule_contended",
            "Another change to this theater's schedule was being made at the same moment; try again.",
            {"theater_id": screening.theater_id},
        )

    def _overlap(self, screening: Screening, other_id: str) -> Conflict:
        details: dict[str, Any] = {"theater_id": screening.theater_id, "screening_id": other_id}
        message = f"Theater {screening.theater_id} is busy then with screening {other_id}"
        try:
            other = self.get(other_id)
        except NotFound:
            other = None
        if other is not None:
            details.update(starts_at=iso(other.starts_at), ends_at=iso(other.ends_at), busy_until=iso(other.busy_until))
            message += f" ({iso(other.starts_at)} to {iso(other.ends_at)}, cleaned by {iso(other.busy_until)})"
        return Conflict("screening_overlap", message + ".", details)

    def get(self, screening_id: str) -> Screening:
        try:
            return _screening(ScreeningItem.get(screening_id, consistent_read=True))
        except DoesNotExist as exc:
            raise _screening_not_found(screening_id) from exc

    def set_queue_mode(self, screening_id: str, queue_mode: bool) -> Screening:
        item = ScreeningItem(id=screening_id)
        with refused_as(lambda: _screening_not_found(screening_id)):
            item.update(actions=[ScreeningItem.queue_mode.set(queue_mode)], condition=ScreeningItem.id.exists())
        return _screening(item)

    def list(self, screening_filter: ScreeningFilter, limit: int, cursor: str | None) -> Page[Screening]:
        """By theater (filtered by movie when both are given), by movie, or day by day."""
        flt = screening_filter
        low = iso(flt.starts_from)
        high = iso(flt.starts_before - timedelta(seconds=1)) if flt.starts_before else None
        if high is not None and high < low:
            return Page([])
        index: GlobalSecondaryIndex[ScreeningItem]
        if flt.theater_id:
            index, partition, partitions = ScreeningItem.by_theater, "theater_id", [flt.theater_id]
        elif flt.movie_id:
            index, partition, partitions = ScreeningItem.by_movie, "movie_id", [flt.movie_id]
        else:
            first, last = flt.starts_from.date(), parse_iso(high or low).date()
            days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
            index, partition, partitions = ScreeningItem.by_day, "day", days
        key_names = (partition, "starts_at", "id")
        start = decode_cursor(cursor, key_names)
        if start is not None:
            inside = start["starts_at"] >= low and (high is None or start["starts_at"] <= high)
            if start[partition] not in partitions or not inside:
                raise invalid_cursor("not a cursor of this list")
            partitions = partitions[partitions.index(start[partition]) :]
        in_range = ScreeningItem.starts_at.between(low, high) if high else ScreeningItem.starts_at >= low
        of_movie = ScreeningItem.movie_id == flt.movie_id if flt.theater_id and flt.movie_id else None

        def results() -> Iterator[ScreeningItem]:
            resume = _start_key(start)
            for value in partitions:
                yield from index.query(
                    value,
                    in_range,
                    filter_condition=of_movie,
                    last_evaluated_key=resume,
                    page_size=FILTERED_PAGE_SIZE if of_movie is not None else limit + 1,
                )
                resume = None

        items, next_cursor = _page_of(results(), limit, key_names)
        return Page([_screening(item) for item in items], next_cursor)
