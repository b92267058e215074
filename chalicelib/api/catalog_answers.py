"""What the catalog routes (`chalicelib.api.catalog`) answer: each model is built from the domain object it shows."""

from __future__ import annotations

from datetime import date

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from chalicelib.api.responses import Page, ResponseModel, Timestamp, left_out_when_none
from chalicelib.domain import catalog, layout


class Movie(ResponseModel):
    id: str
    title: str
    description: str
    genres: tuple[str, ...]
    duration_minutes: int
    rating: str = Field(description='A certificate such as "PG-13".')
    release_date: date

    @classmethod
    def of(cls, movie: catalog.Movie) -> Movie:
        return cls(
            id=movie.id,
            title=movie.title,
            description=movie.description,
            genres=movie.genres,
            duration_minutes=movie.duration_minutes,
            rating=movie.rating,
            release_date=movie.release_date,
        )


class MoviePage(Page[Movie]):
    """A page of movies."""


class TheaterSummary(ResponseModel):
    """A theater in a list, without its layout (a layout can be tens of kilobytes)."""

    id: str
    name: str
    seats_total: int

    @classmethod
    def of(cls, theater: catalog.TheaterSummary) -> TheaterSummary:
        return cls(id=theater.id, name=theater.name, seats_total=theater.seats_total)


class TheaterPage(Page[TheaterSummary]):
    """A page of theaters, without their layouts."""


class LayoutSeat(ResponseModel):
    number: int
    category: str
    blocked: bool | SkipJsonSchema[None] = left_out_when_none("Present (true) for a seat never sold.")

    @classmethod
    def of(cls, seat: layout.Seat) -> LayoutSeat:
        return cls(number=seat.number, category=seat.category, blocked=True if seat.blocked else None)


class LayoutRow(ResponseModel):
    label: str
    seats: list[LayoutSeat] = Field(description="Left to right.")
    aisles_after: list[int] = Field(description="Seat numbers followed by an aisle.")

    @classmethod
    def of(cls, row: layout.Row) -> LayoutRow:
        return cls(
            label=row.label, seats=[LayoutSeat.of(seat) for seat in row.seats], aisles_after=sorted(row.aisles_after)
        )


class Layout(ResponseModel):
    """A theater's seats; the same shape is what POST /api/theaters takes (`chalicelib.domain.layout.parse_layout`)."""

    rows: list[LayoutRow] = Field(description="Front (nearest the screen) to back.")
    prices: dict[str, int] = Field(description="Price in cents of each seat category.")

    @classmethod
    def of(cls, seats: layout.Layout) -> Layout:
        return cls(rows=[LayoutRow.of(row) for row in seats.rows], prices=dict(sorted(seats.prices.items())))


class Theater(ResponseModel):
    id: str
    name: str
    seats_total: int
    layout: Layout

    @classmethod
    def of(cls, theater: catalog.Theater) -> Theater:
        return cls(id=theater.id, name=theater.name, seats_total=theater.seats_total, layout=Layout.of(theater.layout))


class Screening(ResponseModel):
    id: str
    movie_id: str
    theater_id: str
    starts_at: Timestamp
    ends_at: Timestamp
    seats_total: int
    seats_available: int | SkipJsonSchema[None] = left_out_when_none("Seats free now; left out in lists.")
    queue_mode: bool = Field(description="Whether holds go through the surge queue.")

    @classmethod
    def of(cls, screening: catalog.Screening, seats_available: int | None = None) -> Screening:
        return cls(
            id=screening.id,
            movie_id=screening.movie_id,
            theater_id=screening.theater_id,
            starts_at=screening.starts_at,
            ends_at=screening.ends_at,
            seats_total=screening.seats_total,
            seats_available=seats_available,
            queue_mode=screening.queue_mode,
        )


class ScreeningPage(Page[Screening]):
    """A page of screenings."""
