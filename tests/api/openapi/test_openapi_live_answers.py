"""Real answers of the app validate against the schemas the document publishes for them.

Every call goes through `DocumentedApi`, which fails when the status is not documented for the operation
or the body breaks the documented schema (response schemas are closed: an undocumented field fails too).
"""

from __future__ import annotations

import dataclasses
import json

import pytest

LAYOUT = {
    "rows": [
        {
            "label": "A",
            "seats": [{"number": n, "category": "accessible" if n == 1 else "standard"} for n in range(1, 7)],
        },
        {"label": "B", "seats": [{"number": n, "category": "standard"} for n in range(1, 7)], "aisles_after": [3]},
        {"label": "C", "seats": [{"number": n, "category": "vip", "blocked": n == 6} for n in range(1, 7)]},
    ],
    "prices": {"standard": 1200, "vip": 1800, "accessible": 1000},
}
MOVIE = {
    "title": "Arrival",
    "description": "Linguist meets heptapods.",
    "genres": ["Sci-Fi", "Drama"],
    "duration_minutes": 116,
    "rating": "PG-13",
    "release_date": "2016-11-11",
}
PASSWORD = "correct horse battery"


@pytest.fixture
def admin(token_for) -> str:
    return token_for("user-admin", "admin")


@pytest.fixture
def screening(documented, admin) -> dict:
    """A movie, a theater and a screening of it tomorrow evening, each created by an admin as documented."""
    theater = documented.call("POST", "/api/theaters", json_body={"name": "Screen 1", "layout": LAYOUT}, token=admin)
    assert theater.status == 201
    movie = documented.call("POST", "/api/movies", json_body=MOVIE, token=admin)
    assert movie.status == 201
    body = {"movie_id": movie.json["id"], "theater_id": theater.json["id"], "starts_at": "2026-06-02T19:00:00Z"}
    created = documented.call("POST", "/api/screenings", json_body=body, token=admin)
    assert created.status == 201
    return created.json


def test_register_login_refresh_me_and_logout_answer_as_documented(documented):
    registered = documented.call(
        "POST", "/api/auth/register", json_body={"email": "ana@example.com", "password": PASSWORD, "name": "Ana"}
    )
    assert registered.status == 201
    assert registered.json["user"]["role"] == "customer"

    logged_in = documented.call("POST", "/api/auth/login", json_body={"email": "ana@example.com", "password": PASSWORD})
    assert logged_in.status == 200

    refreshed = documented.call(
        "POST", "/api/auth/refresh", json_body={"refresh_token": logged_in.json["refresh_token"]}
    )
    assert refreshed.status == 200

    me = documented.call("GET", "/api/auth/me", token=refreshed.json["access_token"])
    assert me.status == 200
    assert me.json == registered.json["user"]

    out = documented.call("POST", "/api/auth/logout", json_body={"refresh_token": refreshed.json["refresh_token"]})
    assert out.status == 204

    reused = documented.call("POST", "/api/auth/refresh", json_body={"refresh_token": logged_in.json["refresh_token"]})
    assert reused.status == 401
    assert reused.json["error"]["code"] == "refresh_token_reused"


def test_a_taken_email_and_wrong_credentials_answer_as_documented(documented):
    body = {"email": "ana@example.com", "password": PASSWORD, "name": "Ana"}
    assert documented.call("POST", "/api/auth/register", json_body=body).status == 201

    taken = documented.call("POST", "/api/auth/register", json_body=body)
    wrong = documented.call("POST", "/api/auth/login", json_body={"email": "ana@example.com", "password": "nope"})

    assert (taken.status, taken.json["error"]["code"]) == (409, "email_taken")
    assert (wrong.status, wrong.json["error"]["code"]) == (401, "invalid_credentials")


def test_movies_created_listed_read_replaced_and_deleted_answer_as_documented(documented, admin):
    created = documented.call("POST", "/api/movies", json_body=MOVIE, token=admin)
    assert created.status == 201
    movie_id = {"movie_id": created.json["id"]}

    listed = documented.call("GET", "/api/movies", query={"genre": "sci-fi", "limit": 5})
    assert [item["id"] for item in listed.json["items"]] == [created.json["id"]]

    read = documented.call("GET", "/api/movies/{movie_id}", path_params=movie_id)
    assert read.json == created.json
    unchanged = documented.call(
        "GET", "/api/movies/{movie_id}", path_params=movie_id, headers={"If-None-Match": read.headers["etag"]}
    )
    assert unchanged.status == 304

    replaced = documented.call(
        "PUT", "/api/movies/{movie_id}", path_params=movie_id, json_body={**MOVIE, "title": "Arrival (4K)"}, token=admin
    )
    assert replaced.json["title"] == "Arrival (4K)"

    assert documented.call("DELETE", "/api/movies/{movie_id}", path_params=movie_id, token=admin).status == 204
    gone = documented.call("GET", "/api/movies/{movie_id}", path_params=movie_id)
    assert (gone.status, gone.json["error"]["code"]) == (404, "movie_not_found")


def test_theaters_and_screenings_answer_as_documented(documented, admin, screening):
    theaters = documented.call("GET", "/api/theaters")
    theater = documented.call("GET", "/api/theaters/{theater_id}", path_params={"theater_id": screening["theater_id"]})
    screenings = documented.call("GET", "/api/screenings", query={"movie_id": screening["movie_id"]})
    one = documented.call("GET", "/api/screenings/{screening_id}", path_params={"screening_id": screening["id"]})
    queued = documented.call(
        "PATCH",
        "/api/screenings/{screening_id}",
        path_params={"screening_id": screening["id"]},
        json_body={"queue_mode": True},
        token=admin,
    )

    assert [item["id"] for item in theaters.json["items"]] == [screening["theater_id"]]
    assert theater.json["layout"]["rows"][2]["seats"][5] == {"number": 6, "category": "vip", "blocked": True}
    assert [item["id"] for item in screenings.json["items"]] == [screening["id"]]
    assert one.json["seats_available"] == 17
    assert queued.json["queue_mode"] is True


def test_holding_seats_the_seat_map_suggestions_extending_and_releasing_answer_as_documented(
    documented, token_for, screening
):
    alice = token_for("user-alice", "customer")
    bob = token_for("user-bob", "customer")
    screening_id = {"screening_id": screening["id"]}

    held = documented.call(
        "POST",
        "/api/seat-reservations",
        json_body={"screening_id": screening["id"], "seat_ids": ["B2", "B3"]},
        token=alice,
    )
    assert held.status == 201
    assert held.json["status"] == "active"
    reservation_id = {"reservation_id": held.json["id"]}

    lost = documented.call(
        "POST",
        "/api/seat-reservations",
        json_body={"screening_id": screening["id"], "seat_ids": ["B3", "B4"]},
        token=bob,
    )
    assert lost.status == 409
    assert lost.json["error"]["details"]["unavailable_seat_ids"] == ["B3"]
    assert lost.json["error"]["details"]["alternatives"]

    seat_map = documented.call("GET", "/api/seat-reservations/available-seats/{screening_id}", path_params=screening_id)
    assert seat_map.json["available_count"] == 15
    suggestions = documented.call(
        "POST", "/api/seat-reservations/suggest-alternatives", json_body={"screening_id": screening["id"], "count": 2}
    )
    assert suggestions.json["suggestions"]

    read = documented.call("GET", "/api/seat-reservations/{reservation_id}", path_params=reservation_id, token=alice)
    assert read.json == held.json
    extended = documented.call(
        "POST", "/api/seat-reservations/{reservation_id}/extend", path_params=reservation_id, token=alice
    )
    assert extended.json["extended"] is True
    again = documented.call(
        "POST", "/api/seat-reservations/{reservation_id}/extend", path_params=reservation_id, token=alice
    )
    assert (again.status, again.json["error"]["code"]) == (409, "already_extended")
    mine = documented.call(
        "GET", "/api/seat-reservations/user/{user_id}", path_params={"user_id": "user-alice"}, token=alice
    )
    assert [item["id"] for item in mine.json["items"]] == [held.json["id"]]
    theirs = documented.call(
        "GET", "/api/seat-reservations/user/{user_id}", path_params={"user_id": "user-alice"}, token=bob
    )
    assert (theirs.status, theirs.json["error"]["code"]) == (403, "forbidden")

    released = documented.call(
        "DELETE", "/api/seat-reservations/{reservation_id}", path_params=reservation_id, token=alice
    )
    assert released.json == {"released_seat_ids": ["B2", "B3"]}
    nothing_left = documented.call(
        "DELETE",
        "/api/seat-reservations/user/{user_id}/screening/{screening_id}",
        path_params={"user_id": "user-alice", **screening_id},
        token=alice,
    )
    assert nothing_left.json == {"released_seat_ids": []}


def test_refusals_by_the_gateway_and_by_validation_answer_as_documented(documented, token_for):
    customer = token_for("user-carol", "customer")

    no_token = documented.call("GET", "/api/auth/me")
    not_admin = documented.call("POST", "/api/movies", json_body=MOVIE, token=customer)
    bad_field = documented.call("POST", "/api/movies", json_body={**MOVIE, "duration_minutes": "long"}, token=customer)
    malformed = documented.call(
        "POST", "/api/auth/login", body=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    not_json = documented.call(
        "POST",
        "/api/auth/login",
        body=b"email=a@example.com",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    bad_id = documented.call("GET", "/api/screenings/{screening_id}", path_params={"screening_id": "no%20such"})

    assert (no_token.status, no_token.json["error"]["code"]) == (401, "unauthorized")
    assert (not_admin.status, not_admin.json["error"]["code"]) == (403, "forbidden")
    assert bad_field.status == 403  # the gateway refuses the role before anything reads the body
    assert (malformed.status, malformed.json["error"]["code"]) == (400, "validation_error")
    assert (not_json.status, not_json.json["error"]["code"]) == (415, "unsupported_media_type")
    assert (bad_id.status, bad_id.json["error"]["code"]) == (400, "validation_error")


def test_health_and_the_document_itself_answer_as_documented(documented):
    health = documented.call("GET", "/api/health")
    itself = documented.call("GET", "/api/openapi.json")

    assert health.json["status"] == "ok"
    assert itself.json == documented.document


@pytest.mark.parametrize(
    "altered",
    [
        lambda body: {**body, "uptime_seconds": 12},
        lambda body: {key: value for key, value in body.items() if key != "version"},
        lambda body: {**body, "checks": {**body["checks"], "sqs": "yes"}},
    ],
    ids=["a field the model does not declare", "a declared field left out", "a field of another type"],
)
def test_an_answer_that_disagrees_with_the_document_fails_the_check(documented, altered):
    health = documented.call("GET", "/api/health")
    disagreeing = dataclasses.replace(health, body=json.dumps(altered(health.json)).encode())

    with pytest.raises(AssertionError, match="breaks its documented schema"):
        documented.assert_documented("GET", "/api/health", disagreeing)
