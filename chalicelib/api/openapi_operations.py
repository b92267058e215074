"""What each REST route takes and answers, for the OpenAPI document (`chalicelib.api.openapi`).

One entry per route, keyed by (method, path) exactly as the route is declared. The generator adds on
its own what follows from the route: path parameters, the bearer token and its role (401 ``unauthorized``,
and 403 ``forbidden`` for staff/admin routes), 400/413/415 for a JSON body, 400 for parameters, and a
``default`` error. An entry lists the rest: the success answers and the error codes the service can give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from chalicelib.api import accounts, catalog, reservations
from chalicelib.api import openapi_schemas as shapes


@dataclass(frozen=True)
class Media:
    """A success answer that is not JSON (an image...): its media types, all with one schema."""

    types: tuple[str, ...]
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string", "format": "binary"})


Answer = type[BaseModel] | Mapping[str, Any] | Media | tuple[str, ...] | None
"""A success answer: a response model, a JSON schema, other media, or None for no body (204, 304).
An error answer: the tuple of error codes the route may give with that status."""


@dataclass(frozen=True)
class Operation:
    summary: str
    responses: Mapping[int, Answer]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    description: str = ""


CACHED = "A public read: answered with ETag and Cache-Control; If-None-Match with the ETag gives 304."
SESSION_ERRORS = ("invalid_refresh_token", "refresh_token_reused")

OPERATIONS: dict[tuple[str, str], Operation] = {
    # Operations
    ("GET", "/api/health"): Operation(
        "The version, and whether DynamoDB and SQS answer", {200: shapes.Health, 503: ("service_unavailable",)}
    ),
    ("GET", "/api/openapi.json"): Operation(
        "This document: the REST API as OpenAPI 3.1", {200: shapes.OPENAPI_DOCUMENT}
    ),
    ("GET", "/seat-reservation-demo.html"): Operation(
        "The demo seat map: an HTML page on this origin", {200: Media(("text/html",), {"type": "string"})}
    ),
    # Accounts
    ("POST", "/api/auth/register"): Operation(
        "Create a customer account and sign in",
        {201: shapes.Session, 400: ("weak_password",), 409: ("email_taken",), 503: ("service_unavailable",)},
        body=accounts.RegisterBody,
    ),
    ("POST", "/api/auth/login"): Operation(
        "Sign in with email and password",
        {200: shapes.Session, 401: ("invalid_credentials",), 429: ("rate_limited",)},
        body=accounts.LoginBody,
        description="An unknown email and a wrong password get the same answer. Repeated failures are "
        "throttled per email and per source address.",
    ),
    ("POST", "/api/auth/refresh"): Operation(
        "Trade a refresh token for a new pair (the old one is spent)",
        {200: shapes.Session, 401: SESSION_ERRORS},
        body=accounts.RefreshBody,
        description="Presenting a spent refresh token revokes every token of that login (refresh_token_reused).",
    ),
    ("POST", "/api/auth/logout"): Operation(
        "End the login of a refresh token", {204: None, 401: SESSION_ERRORS}, body=accounts.RefreshBody
    ),
    ("GET", "/api/auth/me"): Operation("The signed-in user", {200: shapes.User, 404: ("user_not_found",)}),
    # Catalog: movies
    ("GET", "/api/movies"): Operation(
        "Search movies by words of the title and by genre",
        {200: shapes.MoviePage, 304: None, 400: ("invalid_cursor",)},
        query=catalog.MovieQuery,
        description=CACHED,
    ),
    ("GET", "/api/movies/{movie_id}"): Operation(
        "One movie", {200: shapes.Movie, 304: None, 404: ("movie_not_found",)}, description=CACHED
    ),
    ("POST", "/api/movies"): Operation("Add a movie", {201: shapes.Movie}, body=catalog.MovieBody),
    ("PUT", "/api/movies/{movie_id}"): Operation(
        "Replace a movie",
        {200: shapes.Movie, 404: ("movie_not_found",), 409: ("movie_has_screenings",)},
        body=catalog.MovieBody,
        description="The duration of a movie with screenings cannot change.",
    ),
    ("DELETE", "/api/movies/{movie_id}"): Operation(
        "Remove a movie without screenings",
        {204: None, 404: ("movie_not_found",), 409: ("movie_has_screenings",)},
    ),
    # Catalog: theaters
    ("GET", "/api/theaters"): Operation(
        "List theaters (without their layouts)",
        {200: shapes.TheaterPage, 304: None, 400: ("invalid_cursor",)},
        query=catalog.PageQuery,
        description=CACHED,
    ),
    ("GET", "/api/theaters/{theater_id}"): Operation(
        "One theater with its seat layout",
        {200: shapes.Theater, 304: None, 404: ("theater_not_found",)},
        description=CACHED,
    ),
    ("POST", "/api/theaters"): Operation(
        "Add a theater with its seat layout",
        {201: shapes.Theater, 400: ("invalid_layout",)},
        body=catalog.TheaterBody,
        description="layout has the shape of the Layout schema: rows front to back, seats left to right, "
        "aisles_after (optional) the seat numbers followed by an aisle, a price in cents for every category "
        "used. Every problem of a layout is listed at once (invalid_layout, details.problems).",
    ),
    # Catalog: screenings
    ("GET", "/api/screenings"): Operation(
        "Screenings of a movie and/or theater, by start time",
        {200: shapes.ScreeningPage, 304: None, 400: ("invalid_cursor",)},
        query=catalog.ScreeningQuery,
        description="from and to take a time or a day (to=2026-12-01 includes that day). " + CACHED,
    ),
    ("GET", "/api/screenings/{screening_id}"): Operation(
        "One screening with its free seat count",
        {200: shapes.Screening, 304: None, 404: ("screening_not_found",)},
        description=CACHED,
    ),
    ("POST", "/api/screenings"): Operation(
        "Schedule a screening",
        {
            201: shapes.Screening,
            400: ("starts_in_past", "screening_too_long"),
            404: ("movie_not_found", "theater_not_found"),
            409: ("screening_overlap", "movie_changed", "schedule_contended"),
        },
        body=catalog.ScreeningBody,
        description="Starts on a 5-minute mark in the future; the theater must be free from the start to the "
        "end plus cleaning (screening_overlap names the other screening).",
    ),
    ("PATCH", "/api/screenings/{screening_id}"): Operation(
        "Switch the surge queue of a screening on or off",
        {200: shapes.Screening, 404: ("screening_not_found",)},
        body=catalog.QueueModeBody,
    ),
    # Seat reservations
    ("POST", "/api/seat-reservations"): Operation(
        "Hold seats of a screening, all or nothing",
        {
            201: shapes.Reservation,
            400: ("too_many_seats", "unknown_seat", "duplicate_seats"),
            404: ("screening_not_found",),
            409: ("seats_unavailable", "screening_started", "hold_contention"),
            503: ("busy",),
        },
        body=reservations.HoldSeats,
        description="A new hold for a screening where the user already holds seats replaces that hold. "
        "seats_unavailable names exactly the seats that were not free and offers alternatives.",
    ),
    ("GET", "/api/seat-reservations/{reservation_id}"): Operation(
        "One reservation of the signed-in user (admin: anyone's)",
        {200: shapes.Reservation, 404: ("reservation_not_found",)},
    ),
    ("DELETE", "/api/seat-reservations/{reservation_id}"): Operation(
        "Release a hold",
        {200: shapes.ReleasedSeats, 404: ("reservation_not_found",)},
    ),
    ("POST", "/api/seat-reservations/{reservation_id}/extend"): Operation(
        "Extend a hold, once",
        {
            200: shapes.Reservation,
            404: ("reservation_not_found",),
            409: ("hold_expired", "already_extended", "extension_cap_reached"),
        },
    ),
    ("GET", "/api/seat-reservations/user/{user_id}"): Operation(
        "The reservations of a user (yourself, or anyone for an admin)",
        {200: shapes.ReservationList, 403: ("forbidden",)},
    ),
    ("DELETE", "/api/seat-reservations/user/{user_id}/screening/{screening_id}"): Operation(
        "Release the hold of a user for a screening",
        {200: shapes.ReleasedSeats, 403: ("forbidden",)},
    ),
    ("GET", "/api/seat-reservations/available-seats/{screening_id}"): Operation(
        "The seat map of a screening: every seat and its status",
        {200: shapes.SeatMap, 404: ("screening_not_found",)},
    ),
    ("POST", "/api/seat-reservations/suggest-alternatives"): Operation(
        "Best available blocks of seats, best first",
        {200: shapes.Suggestions, 400: ("unknown_category",), 404: ("screening_not_found",)},
        body=reservations.SuggestAlternatives,
        description="Give count, or the seat_ids to replace (their number is the count and suggestions "
        "stay near them).",
    ),
}
