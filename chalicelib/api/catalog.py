"""Catalog routes: movies, theaters, screenings. Public reads carry ETag and Cache-Control; writes are admin-only.

What the routes take is below; what they answer is in `chalicelib.api.catalog_answers`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from chalice import Response
from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from chalicelib.api import auth
from chalicelib.api.catalog_answers import (
    Movie,
    MoviePage,
    Screening,
    ScreeningPage,
    Theater,
    TheaterPage,
    TheaterSummary,
)
from chalicelib.api.requests import (
    DAY_OR_MOMENT_PATTERN,
    MOMENT_MAX_LENGTH,
    NON_BLANK,
    SLOT_PATTERN,
    Cursor,
    Id,
    Limit,
    Moment,
    PageQuery,
    QuerySchema,
    RequestSchema,
    day_as_moment,
)
from chalicelib.api.routing import ApiBlueprint, Reply, no_content
from chalicelib.bootstrap import services
from chalicelib.domain import layout as layouts
from chalicelib.domain.catalog import MovieDetails, MovieSearch
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import parse_layout

bp = ApiBlueprint(__name__)

# How long a visitor's browser or a CDN may reuse a public read without asking again.
LIST_MAX_AGE = 30
DETAIL_MAX_AGE = 30
SCREENINGS_MAX_AGE = 15
SCREENING_MAX_AGE = 5  # carries seats_available, which moves with every hold

_DAY_OR_MOMENT = WithJsonSchema({"type": "string", "pattern": DAY_OR_MOMENT_PATTERN, "maxLength": MOMENT_MAX_LENGTH})
From = Annotated[Moment, BeforeValidator(lambda value: day_as_moment(value, end_of_day=False)), _DAY_OR_MOMENT]
"""``from=2026-12-01`` is that day's midnight."""
To = Annotated[Moment, BeforeValidator(lambda value: day_as_moment(value, end_of_day=True)), _DAY_OR_MOMENT]
"""``to=2026-12-01`` includes that day."""


_SEAT_NUMBER = {"type": "integer", "minimum": 1, "maximum": layouts.MAX_SEAT_NUMBER}
LAYOUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Checked by the layout's own rules (chalicelib.domain.layout): labels unique, seat numbers "
    "increasing in a row, every category used has a price, at most "
    f"{layouts.MAX_SEATS_TOTAL} seats; every problem is listed at once (invalid_layout).",
    "required": ["rows", "prices"],
    "additionalProperties": False,
    "properties": {
        "rows": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["label", "seats"],
                "additionalProperties": False,
                "properties": {
                    "label": {"type": "string", "pattern": f"^{layouts.ROW_LABEL_PATTERN}$"},
                    "seats": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": layouts.MAX_SEATS_PER_ROW,
                        "items": {
                            "type": "object",
                            "required": ["number"],
                            "additionalProperties": False,
                            "properties": {
                                "number": _SEAT_NUMBER,
                                "category": {"type": "string", "pattern": layouts.CATEGORY_PATTERN},
                                "blocked": {"type": "boolean"},
                            },
                        },
                    },
                    "aisles_after": {"type": "array", "items": _SEAT_NUMBER},
                },
            },
        },
        "prices": {
            "type": "object",
            "maxProperties": layouts.MAX_CATEGORIES,
            "propertyNames": {"pattern": layouts.CATEGORY_PATTERN},
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": layouts.MAX_PRICE_CENTS},
        },
    },
}
"""What `parse_layout` takes, published from the same limits."""


class MovieBody(RequestSchema):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NON_BLANK)]
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    genres: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=NON_BLANK)]], Field(max_length=10)
    ]
    duration_minutes: Annotated[int, Field(ge=1, le=360)]
    rating: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 +/-]{0,15}$")]
    release_date: date

    def details(self) -> MovieDetails:
        return MovieDetails(
            title=self.title,
            description=self.description,
            genres=tuple(self.genres),
            duration_minutes=self.duration_minutes,
            rating=self.rating,
            release_date=self.release_date,
        )


class MovieQuery(QuerySchema):
    search: Annotated[str, StringConstraints(max_length=100)] | None = None
    genre: Annotated[str, StringConstraints(max_length=40)] | None = None
    limit: Limit = 20
    cursor: Cursor | None = None


class TheaterBody(RequestSchema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NON_BLANK)]
    layout: Annotated[dict[str, Any], WithJsonSchema(LAYOUT_SCHEMA)]


class ScreeningBody(RequestSchema):
    movie_id: Id
    theater_id: Id
    starts_at: Annotated[Moment, WithJsonSchema({"type": "string", "format": "date-time", "pattern": SLOT_PATTERN})]


class ScreeningQuery(QuerySchema):
    movie_id: Id | None = None
    theater_id: Id | None = None
    starts_from: From | None = Field(None, alias="from")
    starts_before: To | None = Field(None, alias="to")
    limit: Limit = 20
    cursor: Cursor | None = None


class QueueModeBody(RequestSchema):
    queue_mode: bool


def _principal() -> Principal:
    return auth.current_principal(bp.current_request)


# Movies


@bp.route(
    "/api/movies",
    methods=["GET"],
    summary="Search movies by words of the title and by genre",
    query=MovieQuery,
    answers={200: MoviePage},
    errors={400: ("invalid_cursor",)},
    public_max_age=LIST_MAX_AGE,
)
def list_movies(query: MovieQuery) -> MoviePage:
    page = services().catalog.search_movies(MovieSearch.of(query.search, query.genre), query.limit, query.cursor)
    return MoviePage.of(page, Movie.of)


@bp.route(
    "/api/movies/{movie_id}",
    methods=["GET"],
    summary="One movie",
    answers={200: Movie},
    errors={404: ("movie_not_found",)},
    public_max_age=DETAIL_MAX_AGE,
)
def get_movie(movie_id: str) -> Movie:
    return Movie.of(services().catalog.movie(movie_id))


@bp.route(
    "/api/movies",
    methods=["POST"],
    authorizer=auth.admin_auth,
    summary="Add a movie",
    body=MovieBody,
    answers={201: Movie},
)
def create_movie(body: MovieBody) -> Reply:
    movie = services().catalog.add_movie(_principal(), body.details())
    return Reply(Movie.of(movie), {"Location": f"/api/movies/{movie.id}"})


@bp.route(
    "/api/movies/{movie_id}",
    methods=["PUT"],
    authorizer=auth.admin_auth,
    summary="Replace a movie",
    description="The duration of a movie with screenings cannot change.",
    body=MovieBody,
    answers={200: Movie},
    errors={404: ("movie_not_found",), 409: ("movie_has_screenings",)},
)
def replace_movie(movie_id: str, body: MovieBody) -> Movie:
    return Movie.of(services().catalog.replace_movie(_principal(), movie_id, body.details()))


@bp.route(
    "/api/movies/{movie_id}",
    methods=["DELETE"],
    authorizer=auth.admin_auth,
    summary="Remove a movie without screenings",
    answers={204: None},
    errors={404: ("movie_not_found",), 409: ("movie_has_screenings",)},
)
def delete_movie(movie_id: str) -> Response:
    services().catalog.remove_movie(_principal(), movie_id)
    return no_content()


# Theaters


@bp.route(
    "/api/theaters",
    methods=["GET"],
    summary="List theaters (without their layouts)",
    query=PageQuery,
    answers={200: TheaterPage},
    errors={400: ("invalid_cursor",)},
    public_max_age=LIST_MAX_AGE,
)
def list_theaters(query: PageQuery) -> TheaterPage:
    return TheaterPage.of(services().catalog.list_theaters(query.limit, query.cursor), TheaterSummary.of)


@bp.route(
    "/api/theaters/{theater_id}",
    methods=["GET"],
    summary="One theater with its seat layout",
    answers={200: Theater},
    errors={404: ("theater_not_found",)},
    public_max_age=DETAIL_MAX_AGE,
)
def get_theater(theater_id: str) -> Theater:
    return Theater.of(services().catalog.theater(theater_id))


@bp.route(
    "/api/theaters",
    methods=["POST"],
    authorizer=auth.admin_auth,
    summary="Add a theater with its seat layout",
    description="layout has the shape of the Layout schema: rows front to back, seats left to right, "
    "aisles_after (optional) the seat numbers followed by an aisle, a price in cents for every category "
    "used. Every problem of a layout is listed at once (invalid_layout, details.problems).",
    body=TheaterBody,
    answers={201: Theater},
    errors={400: ("invalid_layout",)},
)
def create_theater(body: TheaterBody) -> Reply:
    theater = services().catalog.add_theater(_principal(), body.name, parse_layout(body.layout))
    return Reply(Theater.of(theater), {"Location": f"/api/theaters/{theater.id}"})


# Screenings


@bp.route(
    "/api/screenings",
    methods=["GET"],
    summary="Screenings of a movie and/or theater, by start time",
    description="from and to take a time or a day (to=2026-12-01 includes that day).",
    query=ScreeningQuery,
    answers={200: ScreeningPage},
    errors={400: ("invalid_cursor",)},
    public_max_age=SCREENINGS_MAX_AGE,
)
def list_screenings(query: ScreeningQuery) -> ScreeningPage:
    page = services().catalog.list_screenings(
        query.movie_id, query.theater_id, query.starts_from, query.starts_before, query.limit, query.cursor
    )
    return ScreeningPage.of(page, Screening.of)


@bp.route(
    "/api/screenings/{screening_id}",
    methods=["GET"],
    summary="One screening with its free seat count",
    answers={200: Screening},
    errors={404: ("screening_not_found",)},
    public_max_age=SCREENING_MAX_AGE,
)
def get_screening(screening_id: str) -> Screening:
    return Screening.of(*services().surge.screening(screening_id))


@bp.route(
    "/api/screenings",
    methods=["POST"],
    authorizer=auth.admin_auth,
    summary="Schedule a screening",
    description="Starts on a 5-minute mark in the future; the theater must be free from the start to the "
    "end plus cleaning (screening_overlap names the other screening).",
    body=ScreeningBody,
    answers={201: Screening},
    errors={
        400: ("starts_in_past", "screening_too_long"),
        404: ("movie_not_found", "theater_not_found"),
        409: ("screening_overlap", "movie_changed", "schedule_contended"),
    },
)
def create_screening(body: ScreeningBody) -> Reply:
    screening, available = services().catalog.schedule_screening(
        _principal(), body.movie_id, body.theater_id, body.starts_at
    )
    return Reply(Screening.of(screening, available), {"Location": f"/api/screenings/{screening.id}"})


@bp.route(
    "/api/screenings/{screening_id}",
    methods=["PATCH"],
    authorizer=auth.admin_auth,
    summary="Switch the surge queue of a screening on or off",
    description="Off also ends a surge that switched the queue on by itself; requests already queued are "
    "still decided.",
    body=QueueModeBody,
    answers={200: Screening},
    errors={404: ("screening_not_found",)},
)
def set_queue_mode(screening_id: str, body: QueueModeBody) -> Screening:
    return Screening.of(*services().surge.switch(_principal(), screening_id, body.queue_mode))
