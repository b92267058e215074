"""Tables of the catalog room: movies, theaters, screenings and the theater schedule's slots.

Keys, and why:

- ``movies``: hash ``id``. The list is a Query on GSI ``by_title`` (hash ``listing`` = ``"movie"``, range
  ``title_key`` = normalised title + ``#`` + id), never a Scan. One partition holds every movie: a cinema's
  catalog (hundreds to a few thousand titles, ~1 KB each) is far below what one partition serves, and the
  list is cached by clients for 30 s. Search and genre are filters on that Query (`search_text`,
  `genre_text`), so a selective search reads up to the whole catalog: fine below ~10,000 titles; beyond
  that, index words as items or use a search service.
- ``theaters``: hash ``id``; list by GSI ``by_name`` (hash ``listing`` = ``"theater"``), projecting only the
  name and seat count (the layout, up to tens of KB, stays on the item).
- ``screenings``: hash ``id``; GSIs ``by_movie`` (movie_id, starts_at), ``by_theater`` (theater_id,
  starts_at) and ``by_day`` (day ``YYYY-MM-DD`` of starts_at, starts_at) for a date range with neither.
  A day holds a cinema's few hundred screenings at most.
- ``theater_slots``: hash ``theater_id``, range ``slot`` (ISO time of a 5-minute mark). A screening claims
  each slot it keeps its theater busy with ``attribute_not_exists`` in the transaction that creates it:
  see `chalicelib.adapters.dynamodb.catalog`.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection

from chalicelib.adapters.dynamodb.base import CinemaModel

MOVIE_LISTING = "movie"
THEATER_LISTING = "theater"


class MoviesByTitle(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_title"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    title_key = UnicodeAttribute(range_key=True)


class MovieItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "movies"

    id = UnicodeAttribute(hash_key=True)
    listing = UnicodeAttribute(default=MOVIE_LISTING)
    title_key = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    # PynamoDB types `of=` as the element's type rather than its attribute class: hence the ignore.
    genres = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    duration_minutes = NumberAttribute()
    rating = UnicodeAttribute()
    release_date = UnicodeAttribute()
    search_text = UnicodeAttribute()
    genre_text = UnicodeAttribute()
    # Rises with every screening created for the movie (screenings are never deleted): a movie with
    # screenings cannot be deleted or change its duration, checked in the same write.
    screenings_count = NumberAttribute(default=0)
    by_title = MoviesByTitle()


class TheatersByName(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_name"
        projection = IncludeProjection(["name", "seats_total"])

    listing = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)


class TheaterItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "theaters"

    id = UnicodeAttribute(hash_key=True)
    listing = UnicodeAttribute(default=THEATER_LISTING)
    name_key = UnicodeAttribute()
    name = UnicodeAttribute()
    layout = UnicodeAttribute()  # `adapters.dynamodb.catalog.layout_document`; never changes
    seats_total = NumberAttribute()
    by_name = TheatersByName()


class ScreeningsByMovie(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_movie"
        projection = AllProjection()

    movie_id = UnicodeAttribute(hash_key=True)
    starts_at = UnicodeAttribute(range_key=True)


class ScreeningsByTheater(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_theater"
        projection = AllProjection()

    theater_id = UnicodeAttribute(hash_key=True)
    starts_at = UnicodeAttribute(range_key=True)


class ScreeningsByDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    starts_at = UnicodeAttribute(range_key=True)


class ScreeningItem(CinemaModel):
    """A screening; it exists only once its seats (`SeatItem`) are all written."""

    class Meta(CinemaModel.Meta):
        table_name = "screenings"

    id = UnicodeAttribute(hash_key=True)
    movie_id = UnicodeAttribute()
    theater_id = UnicodeAttribute()
    starts_at = UnicodeAttribute()  # ISO 8601 UTC "2026-12-01T19:30:00Z": sorts as time
    ends_at = UnicodeAttribute()
    busy_until = UnicodeAttribute()
    day = UnicodeAttribute()
    seats_total = NumberAttribute()
    queue_mode = BooleanAttribute(default=False)
    created_at_ms = NumberAttribute()
    by_movie = ScreeningsByMovie()
    by_theater = ScreeningsByTheater()
    by_day = ScreeningsByDay()


class TheaterSlotItem(CinemaModel):
    """One 5-minute slot of one theater, claimed by the screening that keeps the theater busy then."""

    class Meta(CinemaModel.Meta):
        table_name = "theater_slots"

    theater_id = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)
    screening_id = UnicodeAttribute()
    purge_at = TTLAttribute(null=True)  # garbage collection of past slots only


MODELS = [MovieItem, TheaterItem, ScreeningItem, TheaterSlotItem]
