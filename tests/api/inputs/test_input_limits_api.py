"""Inputs that once answered 500 answer a 4xx in the error body: JSON nested too deep on every JSON route and
on the WebSocket, times outside the published range, seats and prices a layout cannot take."""

from __future__ import annotations

import re

import pytest

from chalicelib.api.openapi import operations
from chalicelib.api.requests import MAX_JSON_DEPTH

NOW_ISH = "2026-06-02T19:00:00Z"


def _json_routes() -> list[tuple[str, str]]:
    from app import app

    return sorted((method, path) for (method, path), operation in operations(app).items() if operation.body)


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(("method", "path"), _json_routes())
def test_json_nested_deeper_than_the_limit_is_400_on_every_json_route(api, token_for, method, path):
    concrete = re.sub(r"{\w+}", "some-id", path)
    admin = token_for("user-admin", "admin")

    for body in (_deep(5000), b'{"a": ' + _deep(MAX_JSON_DEPTH) + b"}"):
        response = api.request(method, concrete, body=body, token=admin, headers={"Content-Type": "application/json"})

        assert response.status == 400, (response.status, response.json)
        assert response.json["error"]["code"] == "validation_error"
        assert response.json["error"]["details"]["fields"][0]["field"] == "body"


def test_anonymous_login_with_deep_json_is_400_not_500(api):
    response = api.request("POST", "/api/auth/login", body=_deep(5000), headers={"Content-Type": "application/json"})

    assert response.status == 400
    assert "32 deep" in response.json["error"]["message"]


def test_json_as_deep_as_the_limit_reaches_validation(api):
    body = b'{"email": ' + _deep(MAX_JSON_DEPTH - 1) + b', "password": "x"}'

    response = api.request("POST", "/api/auth/login", body=body, headers={"Content-Type": "application/json"})

    assert response.status == 400
    assert {problem["field"] for problem in response.json["error"]["details"]["fields"]} == {"email"}


def test_brackets_inside_strings_do_not_count_as_nesting(api):
    body = b'{"email": "' + b"[" * 5000 + b'", "password": "x"}'

    response = api.request("POST", "/api/auth/login", body=body, headers={"Content-Type": "application/json"})

    assert response.status == 400
    assert {problem["field"] for problem in response.json["error"]["details"]["fields"]} == {"email"}


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("to=9999-12-31", {"to"}),
        ("from=9999-12-31T00:00:00Z", {"from"}),
        ("from=0001-01-01T00:00:00Z&to=0001-01-03T00:00:00Z", {"from", "to"}),
        ("from=0001-01-01T00:00:00%2B01:00", {"from"}),
        ("from=1999-12-31", {"from"}),
        ("to=2100-01-02", {"to"}),
    ],
)
def test_screening_times_outside_the_published_range_are_400_naming_the_field(api, query, fields):
    response = api.get(f"/api/screenings?{query}")

    assert response.status == 400, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert {problem["field"] for problem in response.json["error"]["details"]["fields"]} == fields


def test_the_edges_of_the_published_range_are_accepted(api):
    response = api.get("/api/screenings?movie_id=m-1&from=2000-01-01T00:00:00Z&to=2099-12-31")

    assert response.status == 200, response.json


def test_a_screening_cannot_be_scheduled_outside_the_published_range(api, token_for):
    admin = token_for("user-admin", "admin")
    body = {"movie_id": "m-1", "theater_id": "t-1", "starts_at": "9999-12-31T23:55:00Z"}

    response = api.post("/api/screenings", body, token=admin)

    assert response.status == 400
    assert response.json["error"]["details"]["fields"][0]["field"] == "starts_at"


def test_a_layout_with_seat_1000_or_a_price_storage_cannot_hold_is_refused(api, token_for):
    admin = token_for("user-admin", "admin")
    seat_1000 = {"rows": [{"label": "A", "seats": [{"number": 1000}]}], "prices": {"standard": 100}}
    huge_price = {"rows": [{"label": "A", "seats": [{"number": 1}]}], "prices": {"standard": 10**40}}

    for layout in (seat_1000, huge_price):
        response = api.post("/api/theaters", {"name": "Screen", "layout": layout}, token=admin)

        assert response.status == 400, response.json
        assert response.json["error"]["code"] == "invalid_layout"


def test_a_websocket_message_nested_too_deep_is_answered_invalid_json_and_the_connection_stays(ws, notifier):
    ws.connect("conn-1")

    answer = ws.send("conn-1", '{"action": "join_screening", "screening_id": ' + "[" * 5000 + "]" * 5000 + "}")

    assert answer["statusCode"] == 400
    [error] = notifier.to("conn-1")
    assert error["code"] == "invalid_json"
