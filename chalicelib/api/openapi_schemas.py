"""The shapes of the API's answers, as published in the OpenAPI document.

Each model mirrors one ``*_json`` function of a route module (named in its docstring) and is closed
(``additionalProperties: false``), so the API tests that validate live answers against the document fail
as soon as a handler answers a field these models do not describe. Only the document uses them; handlers
build their answers themselves.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from chalicelib.domain.holds import SeatStatus
from chalicelib.domain.identity import Role
from chalicelib.domain.reservations import ReservationStatus

SnakeCase = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


def _not_required(description: str | None = None) -> Any:
    """A field that is sometimes left out of the answer (never sent as null)."""
    return Field(None, description=description, json_schema_extra=lambda schema: schema.pop("default", None))


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Errors


class ErrorBody(Shape):
    code: SnakeCase = Field(description="Stable and machine-readable: branch on this, not on the message.")
    message: str = Field(description="For a person; may change.")
    details: dict[str, Any] = Field(description="Facts about this error; shapes per code where documented.")


class Error(Shape):
    """Every 4xx/5xx answer, from the app and from the gateway alike (`chalicelib.api.errors.error_body`)."""

    error: ErrorBody


class FieldProblem(Shape):
    field: str
    message: str | SkipJsonSchema[None] = _not_required()


class ValidationErrorDetails(Shape):
    """`chalicelib.api.requests.validation_error`: one entry per bad field."""

    fields: list[FieldProblem]


class RateLimitedDetails(Shape):
    retry_after_seconds: int
    scope: str | SkipJsonSchema[None] = _not_required()


class Suggestion(Shape):
    """`chalicelib.domain.seating.Suggestion.to_json`: best first."""

    seat_ids: list[str]
    score: float = Field(description="0-100, higher is better.")
    row: str | None = Field(description="The row label when every seat is in one row.")
    adjacent: bool = Field(description="One block of side-by-side seats.")
    category: str | None = Field(description="The category when every seat shares one.")
    total_cents: int
    reasons: list[str]


class SeatsUnavailableDetails(Shape):
    """`chalicelib.domain.errors.SeatsUnavailable`: exactly the seats that were not free, and other blocks."""

    unavailable_seat_ids: list[str]
    alternatives: list[Suggestion]


ERROR_DETAILS: dict[str, type[BaseModel]] = {
    "validation_error": ValidationErrorDetails,
    "rate_limited": RateLimitedDetails,
    "seats_unavailable": SeatsUnavailableDetails,
}
"""The codes whose ``details`` have a documented shape."""


# Accounts


class User(Shape):
    """`chalicelib.api.accounts.user_json`."""

    id: str
    email: str
    name: str
    role: Role


class Session(Shape):
    """`chalicelib.api.accounts.session_json`: answered with ``Cache-Control: no-store``."""

    user: User
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds the access token lives.")


# Catalog


class Movie(Shape):
    """`chalicelib.domain.catalog.Movie.to_json`."""

    id: str
    title: str
    description: str
    genres: list[str]
    duration_minutes: int
    rating: str = Field(description='A certificate such as "PG-13".')
    release_date: date


class MoviePage(Shape):
    items: list[Movie]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last.")


class TheaterSummary(Shape):
    """`chalicelib.domain.catalog.TheaterSummary.to_json`: a theater in a list, without its layout."""

    id: str
    name: str
    seats_total: int


class TheaterPage(Shape):
    items: list[TheaterSummary]
    next_cursor: str | None


class LayoutSeat(Shape):
    number: int
    category: str
    blocked: bool | SkipJsonSchema[None] = _not_required("Present (true) for a seat never sold.")


class LayoutRow(Shape):
    label: str
    seats: list[LayoutSeat] = Field(description="Left to right.")
    aisles_after: list[int] = Field(description="Seat numbers followed by an aisle.")


class Layout(Shape):
    """`chalicelib.domain.layout.Layout.to_json`; the same shape is what POST /api/theaters takes."""

    rows: list[LayoutRow] = Field(description="Front (nearest the screen) to back.")
    prices: dict[str, int] = Field(description="Price in cents of each seat category.")


class Theater(Shape):
    """`chalicelib.domain.catalog.Theater.to_json`."""

    id: str
    name: str
    seats_total: int
    layout: Layout


class Screening(Shape):
    """`chalicelib.domain.catalog.Screening.to_json`."""

    id: str
    movie_id: str
    theater_id: str
    starts_at: datetime
    ends_at: datetime
    seats_total: int
    seats_available: int | SkipJsonSchema[None] = _not_required("Seats free now; left out in lists.")
    queue_mode: bool = Field(description="Whether holds go through the surge queue.")


class ScreeningPage(Shape):
    items: list[Screening]
    next_cursor: str | None


# Seat reservations


class Reservation(Shape):
    """`chalicelib.api.reservations.reservation_json`: a hold on seats, all or nothing."""

    id: str
    screening_id: str
    user_id: str
    seat_ids: list[str]
    seat_prices: dict[str, int] = Field(description="Price in cents of each held seat.")
    status: ReservationStatus = Field(description="An active hold past expires_at reads as expired.")
    created_at: datetime
    expires_at: datetime
    extended: bool = Field(description="A hold can be extended once.")
    total_cents: int
    currency: str


class ReservationList(Shape):
    items: list[Reservation]


class ReleasedSeats(Shape):
    released_seat_ids: list[str] = Field(description="Empty when nothing was held any more.")


class MapSeat(Shape):
    id: str
    row: str
    number: int
    category: str
    price_cents: int
    status: SeatStatus = Field(description="A hold past its expiry shows as available.")


class SeatMap(Shape):
    """`chalicelib.api.reservations.seat_map_json`."""

    screening_id: str
    seats: list[MapSeat] = Field(description="Front row first, left to right.")
    available_count: int


class Suggestions(Shape):
    suggestions: list[Suggestion] = Field(description="Best first.")


# Operations


class HealthChecks(Shape):
    dynamodb: bool
    sqs: bool


class Health(Shape):
    """`chalicelib.api.health.health`: 200 when every check passes (else 503 in the error body, with the checks)."""

    status: Literal["ok"]
    version: str
    checks: HealthChecks


OPENAPI_DOCUMENT: dict[str, Any] = {
    "type": "object",
    "required": ["openapi", "info", "paths", "components"],
    "properties": {"openapi": {"const": "3.1.0"}},
}
"""This document's own shape, as far as the API promises it."""
