"""Every catalog endpoint refuses bad input with a 400 naming the field (never a 500), and writes are admin-only."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from catalog_data import LAYOUT, MOVIE, TOMORROW_EVENING

SCREENING = {"movie_id": "mov_x", "theater_id": "thr_x", "starts_at": TOMORROW_EVENING}

# method, path, a valid body, a required field, (field, wrong-typed value), (field, oversized value)
BODY_ENDPOINTS: list[tuple[str, str, dict[str, Any], str, tuple[str, Any], tuple[str, Any]]] = [
    ("POST", "/api/movies", MOVIE, "title", ("duration_minutes", "122"), ("title", "x" * 201)),
    ("PUT", "/api/movies/mov_x", MOVIE, "release_date", ("genres", "Comedy"), ("description", "x" * 5001)),
    ("POST", "/api/theaters", {"name": "Screen 1", "layout": LAYOUT}, "layout", ("name", 1), ("name", "x" * 101)),
    ("POST", "/api/screenings", SCREENING, "starts_at", ("starts_at", 1780000000), ("movie_id", "m" * 65)),
    (
        "PATCH",
        "/api/screenings/scr_x",
        {"queue_mode": True},
        "queue_mode",
        ("queue_mode", "yes"),
        ("queue_mode", "x" * 300),
    ),
]
ADMIN_ENDPOINTS = [(method, path, body) for method, path, body, *_ in BODY_ENDPOINTS] + [
    ("DELETE", "/api/movies/mov_x", None)
]
BODY_IDS = [f"{method} {path}" for method, path, *_ in BODY_ENDPOINTS]
ADMIN_IDS = [f"{method} {path}" for method, path, _ in ADMIN_ENDPOINTS]


def fields_named(response) -> list[str]:
    return [problem["field"] for problem in response.json["error"]["details"]["fields"]]


def assert_validation_error(response, *fields: str) -> None:
    assert response.status == 400, response.json
    assert response.json["error"]["code"] == "validation_error"
    named = fields_named(response)
    for field in fields:
        assert any(name == field or name.startswith(f"{field}.") for name in named), named


# Who may write


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ENDPOINTS, ids=ADMIN_IDS)
def test_a_customer_gets_403_on_every_admin_endpoint(api, customer, method, path, body):
    response = api.request(method, path, json_body=copy.deepcopy(body), token=customer)

    assert response.status == 403
    assert response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ENDPOINTS, ids=ADMIN_IDS)
def test_no_token_or_a_bad_token_gets_401_on_every_admin_endpoint(api, method, path, body):
    anonymous = api.request(method, path, json_body=copy.deepcopy(body))
    forged = api.request(method, path, json_body=copy.deepcopy(body), token="not.a.token")

    assert (anonymous.status, anonymous.json["error"]["code"]) == (401, "unauthorized")
    assert (forged.status, forged.json["error"]["code"]) == (401, "unauthorized")


def test_staff_are_not_admins_either(api, token_for):
    response = api.post("/api/movies", MOVIE, token=token_for("user-sam", "staff"))

    assert response.status == 403


# Bodies


@pytest.mark.parametrize(("method", "path", "body", "required", "wrong", "oversized"), BODY_ENDPOINTS, ids=BODY_IDS)
class TestEveryBody:
    def test_malformed_json_is_400(self, api, admin, method, path, body, required, wrong, oversized):
        response = api.request(
            method, path, body=b'{"title": "Am', headers={"Content-Type": "application/json"}, token=admin
        )

        assert_validation_error(response, "body")

    def test_a_body_that_is_not_utf8_is_400(self, api, admin, method, path, body, required, wrong, oversized):
        response = api.request(method, path, body=b'{"title": "\xff\xfe"}', token=admin)

        assert_validation_error(response, "body")

    @pytest.mark.parametrize("document", [b"[]", b'"text"', b"42", b"null", b"", b"   "])
    def test_a_body_that_is_not_an_object_is_400(
        self, api, admin, method, path, body, required, wrong, oversized, document
    ):
        response = api.request(method, path, body=document, headers={"Content-Type": "application/json"}, token=admin)

        assert_validation_error(response, "body")

    def test_a_missing_field_is_400_naming_it(self, api, admin, method, path, body, required, wrong, oversized):
        incomplete = {key: value for key, value in body.items() if key != required}

        assert_validation_error(api.request(method, path, json_body=incomplete, token=admin), required)

    def test_a_null_field_is_400_naming_it(self, api, admin, method, path, body, required, wrong, oversized):
        assert_validation_error(api.request(method, path, json_body={**body, required: None}, token=admin), required)

    def test_an_unknown_field_is_400_naming_it(self, api, admin, method, path, body, required, wrong, oversized):
        response = api.request(method, path, json_body={**body, "price_cents": 1}, token=admin)

        assert_validation_error(response, "price_cents")

    def test_a_wrong_type_is_400_naming_the_field(self, api, admin, method, path, body, required, wrong, oversized):
        field, value = wrong

        assert_validation_error(api.request(method, path, json_body={**body, field: value}, token=admin), field)

    def test_an_oversized_string_is_400_naming_the_field(
        self, api, admin, method, path, body, required, wrong, oversized
    ):
        field, value = oversized

        assert_validation_error(api.request(method, path, json_body={**body, field: value}, token=admin), field)

    def test_an_oversized_body_is_413(self, api, admin, method, path, body, required, wrong, oversized):
        response = api.request(method, path, json_body={**body, "padding": "x" * 70_000}, token=admin)

        assert response.status == 413
        assert response.json["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_minutes", True),
        ("duration_minutes", 0),
        ("duration_minutes", 361),
        ("duration_minutes", 90.5),
        ("genres", [1]),
        ("genres", [""]),
        ("genres", ["x" * 41]),
        ("genres", [f"g{number}" for number in range(11)]),
        ("rating", ""),
        ("rating", "PG<13>"),
        ("rating", "x" * 17),
        ("release_date", "2025-13-01"),
        ("release_date", "01/06/2025"),
        ("release_date", 20250601),
        ("title", "   "),
        ("title", ["Amélie"]),
    ],
)
def test_a_movie_with_a_bad_field_is_400_naming_it_and_nothing_is_stored(api, admin, field, value):
    response = api.post("/api/movies", {**MOVIE, field: value}, token=admin)

    assert_validation_error(response, field)
    assert api.get("/api/movies").json["items"] == []


@pytest.mark.parametrize("starts_at", ["2026-06-02T19:00:00", "tomorrow", "2026-06-02", "2026-06-02T25:00:00Z"])
def test_a_screening_start_without_a_time_zone_or_not_a_time_is_400_naming_starts_at(api, admin, starts_at):
    response = api.post("/api/screenings", {**SCREENING, "starts_at": starts_at}, token=admin)

    assert_validation_error(response, "starts_at")


@pytest.mark.parametrize("layout", [[], "rows", {"rows": "A"}, {}])
def test_a_layout_of_the_wrong_shape_is_400(api, admin, layout):
    response = api.post("/api/theaters", {"name": "Screen 1", "layout": layout}, token=admin)

    assert response.status == 400
    assert response.json["error"]["code"] in ("validation_error", "invalid_layout")


# Paths and queries

BAD_IDS = ["x" * 65, "bad%20id", "%C3%A9t%C3%A9", "a.b", "%00"]
ID_PATHS = [
    ("GET", "/api/movies/{}", "movie_id"),
    ("PUT", "/api/movies/{}", "movie_id"),
    ("DELETE", "/api/movies/{}", "movie_id"),
    ("GET", "/api/theaters/{}", "theater_id"),
    ("GET", "/api/screenings/{}", "screening_id"),
    ("PATCH", "/api/screenings/{}", "screening_id"),
]
BODY_FOR = {"PUT": MOVIE, "PATCH": {"queue_mode": True}}


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(("method", "template", "field"), ID_PATHS, ids=[f"{m} {t}" for m, t, _ in ID_PATHS])
def test_a_malformed_id_in_a_path_is_400_naming_it(api, admin, method, template, field, bad_id):
    response = api.request(method, template.format(bad_id), json_body=BODY_FOR.get(method), token=admin)

    assert_validation_error(response, field)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/movies?page=2", "page"),
        ("/api/movies?search=" + "x" * 101, "search"),
        ("/api/movies?genre=" + "x" * 41, "genre"),
        ("/api/movies?cursor=" + "x" * 1025, "cursor"),
        ("/api/movies?limit=abc", "limit"),
        ("/api/theaters?limit=0", "limit"),
        ("/api/theaters?sort=name", "sort"),
        ("/api/screenings?movie_id=bad!", "movie_id"),
        ("/api/screenings?theater_id=" + "t" * 65, "theater_id"),
        ("/api/screenings?from=yesterday", "from"),
        ("/api/screenings?to=2026-06-02T10:00:00", "to"),
        ("/api/screenings?from=2026-02-30", "from"),
        ("/api/screenings?limit=101", "limit"),
        ("/api/screenings?day=2026-06-02", "day"),
    ],
)
def test_a_bad_or_unknown_query_parameter_is_400_naming_it(api, path, field):
    assert_validation_error(api.get(path), field)
