"""A body sent as anything but JSON is refused with 415 in our error body, before any handler reads it."""

from __future__ import annotations

import json

import pytest

MOVIE = {
    "title": "Arrival",
    "description": "",
    "genres": ["Sci-Fi"],
    "duration_minutes": 116,
    "rating": "PG-13",
    "release_date": "2016-11-11",
}
REGISTER = {"email": "ana@example.com", "password": "correct horse battery staple", "name": "Ana"}

# One body-taking endpoint of each room: (method, path, role of the token or None, a valid JSON body)
ONE_PER_ROOM = [
    pytest.param("POST", "/api/auth/register", None, REGISTER, id="accounts-register"),
    pytest.param("POST", "/api/movies", "admin", MOVIE, id="catalog-create-movie"),
    pytest.param("PUT", "/api/movies/m1", "admin", MOVIE, id="catalog-replace-movie"),
    pytest.param("PATCH", "/api/screenings/s1", "admin", {"queue_mode": True}, id="catalog-queue-mode"),
    pytest.param("POST", "/api/seat-reservations", "customer", {"screening_id": "s1", "seat_ids": ["A1"]}, id="hold"),
    pytest.param("POST", "/api/seat-reservations/suggest-alternatives", None, {"screening_id": "s1", "count": 2}),
]


@pytest.mark.parametrize(("method", "path", "role", "body"), ONE_PER_ROOM)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"]
)
def test_a_json_document_sent_as_another_media_type_is_refused_with_415(
    api, token_for, method, path, role, body, content_type
):
    token = token_for("user-1", role) if role else None

    response = api.request(
        method, path, body=json.dumps(body).encode(), headers={"Content-Type": content_type}, token=token
    )

    assert response.status == 415
    assert response.headers["content-type"] == "application/json"
    assert response.json == {
        "error": {
            "code": "unsupported_media_type",
            "message": f"Send the body as application/json, not {content_type}.",
            "details": {"content_type": content_type, "supported": ["application/json"]},
        }
    }


def test_a_refused_media_type_changes_nothing(api):
    refused = api.request(
        "POST", "/api/auth/register", body=json.dumps(REGISTER).encode(), headers={"Content-Type": "text/plain"}
    )
    assert refused.status == 415

    registered = api.post("/api/auth/register", REGISTER)

    assert registered.status == 201, registered.json


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/merge+json"],
)
def test_json_media_types_with_parameters_or_a_json_suffix_are_accepted(api, content_type):
    response = api.request(
        "POST", "/api/auth/register", body=json.dumps(REGISTER).encode(), headers={"Content-Type": content_type}
    )

    assert response.status == 201, response.json


def test_a_body_without_a_content_type_is_read_as_json(api):
    response = api.request("POST", "/api/auth/register", body=json.dumps(REGISTER).encode())

    assert response.status == 201, response.json


def test_a_request_without_a_body_is_not_refused_for_its_content_type(api):
    response = api.request("POST", "/api/auth/register", body=b"", headers={"Content-Type": "text/plain"})

    assert response.status == 400
    assert response.json["error"]["code"] == "validation_error"


def test_a_read_is_never_refused_for_its_content_type(api):
    response = api.request("GET", "/api/movies", headers={"Content-Type": "text/plain"})

    assert response.status == 200
