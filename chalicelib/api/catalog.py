"""Catalog routes: movies, theaters, screenings. Public reads carry ETag and Cache-Control; writes are admin-only."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from chalice import Response
from pydantic import AwareDatetime, Field, StringConstraints, ValidationInfo, field_validator

from chalicelib.api import auth
from chalicelib.api.requests import (
    Id,
    QuerySchema,
    RequestSchema,
    parse_body,
    parse_query,
    path_id,
)
from chalicelib.api.routing import JSON, ApiBlueprint, created, json_response, no_content
from chalicelib.bootstrap import services
from chalicelib.domain.catalog import MovieDetails, MovieSearch, Page
from chalicelib.domain.layout import parse_layout

bp = ApiBlueprint(__name__)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# How long a visitor's browser or a CDN may reuse a public read without asking again.
LIST_MAX_AGE = 30
DETAIL_MAX_AGE = 30
SCREENINGS_MAX_AGE = 15
SCREENING_MAX_AGE = 5  # carries seats_available, which moves with every hold

Limit = Annotated[int, Field(ge=1, le=100)]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class MovieBody(RequestSchema):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    genres: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=40)]], Field(max_length=10)]
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
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    layout: dict[str, Any]


class PageQuery(QuerySchema):
    limit: Limit = 20
    cursor: Cursor | None = None


class ScreeningBody(RequestSchema):
    movie_id: Id
    theater_id: Id
    starts_at: AwareDatetime


class ScreeningQuery(QuerySchema):
    movie_id: Id | None = None
    theater_id: Id | None = None
    starts_from: AwareDatetime | None = Field(None, alias="from")
    starts_before: AwareDatetime | None = Field(None, alias="to")
    limit: Limit = 20
    cursor: Cursor | None = None

    @field_validator("starts_from", "starts_before", mode="before")
    @classmethod
    def _a_day_means_its_whole_day(cls, value: Any, info: ValidationInfo) -> Any:
        """``from=2026-12-01`` is that day's midnight; ``to=2026-12-01`` includes that day."""
        if isinstance(value, str) and _DATE.fullmatch(value.strip()):
            midnight = datetime.combine(date.fromisoformat(value.strip()), datetime.min.time(), UTC)
            return midnight + timedelta(days=1) if info.field_name == "starts_before" else midnight
        return value


class QueueModeBody(RequestSchema):
    queue_mode: bool


def _page_json(page: Page[Any]) -> dict[str, Any]:
    return {"items": [item.to_json() for item in page.items], "next_cursor": page.next_cursor}


def _cached(body: Any, max_age: int) -> Response:
    """A public read: ETag from the body's hash; 304 without a body when the client already has it."""
    text = json.dumps(body, separators=(",", ":"))
    etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
    headers: dict[str, str | list[str]] = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    asked = bp.current_request.headers.get("if-none-match") or ""
    known = {tag.strip().removeprefix("W/") for tag in asked.split(",")}
    if etag in known or "*" in known:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=text, status_code=200, headers={**JSON, **headers})


def _principal():
    return auth.current_principal(bp.current_request)


# Movies


@bp.route("/api/movies", methods=["GET"])
def list_movies():
    query = parse_query(MovieQuery, bp.current_request.query_params)
    page = services().catalog.search_movies(MovieSearch.of(query.search, query.genre), query.limit, query.cursor)
    return _cached(_page_json(page), LIST_MAX_AGE)


@bp.route("/api/movies/{movie_id}", methods=["GET"])
def get_movie(movie_id: str):
    movie = services().catalog.movie(path_id(movie_id, "movie_id"))
    return _cached(movie.to_json(), DETAIL_MAX_AGE)


@bp.route("/api/movies", methods=["POST"], authorizer=auth.admin_auth)
def create_movie():
    body = parse_body(MovieBody, bp.current_request.raw_body)
    movie = services().catalog.add_movie(_principal(), body.details())
    return created(movie.to_json(), {"Location": f"/api/movies/{movie.id}"})


@bp.route("/api/movies/{movie_id}", methods=["PUT"], authorizer=auth.admin_auth)
def replace_movie(movie_id: str):
    movie_id = path_id(movie_id, "movie_id")
    body = parse_body(MovieBody, bp.current_request.raw_body)
    movie = services().catalog.replace_movie(_principal(), movie_id, body.details())
    return json_response(movie.to_json())


@bp.route("/api/movies/{movie_id}", methods=["DELETE"], authorizer=auth.admin_auth)
def delete_movie(movie_id: str):
    services().catalog.remove_movie(_principal(), path_id(movie_id, "movie_id"))
    return no_content()


# Theaters


@bp.route("/api/theaters", methods=["GET"])
def list_theaters():
    query = parse_query(PageQuery, bp.current_request.query_params)
    page = services().catalog.list_theaters(query.limit, query.cursor)
    return _cached(_page_json(page), LIST_MAX_AGE)


@bp.route("/api/theaters/{theater_id}", methods=["GET"])
def get_theater(theater_id: str):
    theater = services().catalog.theater(path_id(theater_id, "theater_id"))
    return _cached(theater.to_json(), DETAIL_MAX_AGE)


@bp.route("/api/theaters", methods=["POST"], authorizer=auth.admin_auth)
def create_theater():
    body = parse_body(TheaterBody, bp.current_request.raw_body)
    theater = services().catalog.add_theater(_principal(), body.name, parse_layout(body.layout))
    return created(theater.to_json(), {"Location": f"/api/theaters/{theater.id}"})


# Screenings


@bp.route("/api/screenings", methods=["GET"])
def list_screenings():
    query = parse_query(ScreeningQuery, bp.current_request.query_params)
    page = services().catalog.list_screenings(
        query.movie_id, query.theater_id, query.starts_from, query.starts_before, query.limit, query.cursor
    )
    return _cached(_page_json(page), SCREENINGS_MAX_AGE)


@bp.route("/api/screenings/{screening_id}", methods=["GET"])
def get_screening(screening_id: str):
    screening, available = services().catalog.screening(path_id(screening_id, "screening_id"))
    return _cached(screening.to_json(available), SCREENING_MAX_AGE)


@bp.route("/api/screenings", methods=["POST"], authorizer=auth.admin_auth)
def create_screening():
    body = parse_body(ScreeningBody, bp.current_request.raw_body)
    screening, available = services().catalog.schedule_screening(
        _principal(), body.movie_id, body.theater_id, body.starts_at
    )
    return created(screening.to_json(available), {"Location": f"/api/screenings/{screening.id}"})


@bp.route("/api/screenings/{screening_id}", methods=["PATCH"], authorizer=auth.admin_auth)
def set_queue_mode(screening_id: str):
    screening_id = path_id(screening_id, "screening_id")
    body = parse_body(QueueModeBody, bp.current_request.raw_body)
    screening, available = services().catalog.set_queue_mode(_principal(), screening_id, body.queue_mode)
    return json_response(screening.to_json(available))
