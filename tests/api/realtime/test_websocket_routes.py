"""The WebSocket routes: who may connect, what a connection watches, and how a bad message is answered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters.dynamodb.models.realtime import ConnectionItem, SubscriptionItem
from chalicelib.services.realtime import MAX_SCREENINGS_PER_CONNECTION

from .conftest import NOW


def _connection(connection_id: str) -> ConnectionItem | None:
    try:
        return ConnectionItem.get(connection_id, consistent_read=True)
    except ConnectionItem.DoesNotExist:
        return None


def _watchers(screening_id: str) -> list[str]:
    return [row.connection_id for row in SubscriptionItem.query(screening_id, consistent_read=True)]


def test_an_anonymous_connection_is_recorded_with_a_two_hour_ten_garbage_collection_ttl(ws):
    answer = ws.connect("conn-1")

    assert answer == {"statusCode": 200}
    stored = _connection("conn-1")
    assert stored.user_id is None
    assert stored.purge_at == NOW + timedelta(hours=2, minutes=10)


def test_a_connection_with_a_valid_token_is_recorded_for_its_user(ws, token_for):
    assert ws.connect("conn-1", token=token_for("alice"))["statusCode"] == 200

    assert _connection("conn-1").user_id == "alice"


def test_an_invalid_token_refuses_the_handshake_and_records_nothing(ws):
    answer = ws.connect("conn-1", token="not-a-jwt")

    assert answer == {"statusCode": 401}
    assert _connection("conn-1") is None


def test_joining_a_screening_subscribes_and_sends_the_seat_map_as_a_snapshot(ws, notifier, screening_id):
    ws.connect("conn-1")

    answer = ws.send("conn-1", {"action": "join_screening", "screening_id": screening_id})

    assert answer == {"statusCode": 200}
    assert _watchers(screening_id) == ["conn-1"]
    [snapshot] = notifier.to("conn-1")
    assert snapshot["type"] == "seat_status_update"
    assert snapshot["screening_id"] == screening_id
    assert snapshot["snapshot"] is True
    assert isinstance(snapshot["seq"], int)
    assert sorted(seat["id"] for seat in snapshot["seats"]) == [f"{r}{n}" for r in "AB" for n in range(1, 5)]
    assert {seat["status"] for seat in snapshot["seats"]} == {"available"}
    assert _connection("conn-1").screenings == {screening_id}


def test_leaving_a_screening_removes_the_subscription(ws, screening_id):
    ws.connect("conn-1")
    ws.send("conn-1", {"action": "join_screening", "screening_id": screening_id})

    answer = ws.send("conn-1", {"action": "leave_screening", "screening_id": screening_id})

    assert answer == {"statusCode": 200}
    assert _watchers(screening_id) == []
    assert not _connection("conn-1").screenings


def test_a_disconnect_forgets_the_connection_and_its_subscriptions(ws, screening_id):
    ws.connect("conn-1")
    ws.connect("conn-2")
    ws.send("conn-1", {"action": "join_screening", "screening_id": screening_id})
    ws.send("conn-2", {"action": "join_screening", "screening_id": screening_id})

    assert ws.disconnect("conn-1") == {"statusCode": 200}

    assert _connection("conn-1") is None
    assert _watchers(screening_id) == ["conn-2"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("this is not json", "invalid_json"),
        ("[1, 2]", "invalid_json"),
        ("", "invalid_json"),
        ({"action": "dance"}, "unknown_action"),
        ({"screening_id": "s-1"}, "unknown_action"),
        ({"action": "join_screening"}, "validation_error"),
        ({"action": "join_screening", "screening_id": 42}, "validation_error"),
        ({"action": "join_screening", "screening_id": "../../etc"}, "validation_error"),
        ({"action": "join_screening", "screening_id": "x" * 65}, "validation_error"),
        ({"action": "join_screening", "screening_id": "s-1", "extra": 1}, "validation_error"),
        ({"action": "join_screening", "screening_id": "no-such-screening"}, "screening_not_found"),
    ],
)
def test_a_bad_message_is_answered_with_an_error_and_the_connection_stays_open(ws, notifier, body, code):
    ws.connect("conn-1")

    answer = ws.send("conn-1", body)

    assert answer["statusCode"] == 400
    [error] = notifier.to("conn-1")
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]
    assert _connection("conn-1") is not None


def test_a_connection_cannot_watch_more_than_the_limit_but_may_join_one_it_watches_again(
    ws, notifier, api, token_for, clock
):
    """The `below_limit` condition fails at the limit; `already_watching` lets a repeated join through."""
    ws.connect("conn-1")
    screenings = _screenings(api, token_for, MAX_SCREENINGS_PER_CONNECTION + 1)
    for screening in screenings[:-1]:
        clock.advance(1)  # under the snapshots-per-second cap
        assert ws.send("conn-1", {"action": "join_screening", "screening_id": screening})["statusCode"] == 200

    clock.advance(1)
    refused = ws.send("conn-1", {"action": "join_screening", "screening_id": screenings[-1]})
    clock.advance(1)
    again = ws.send("conn-1", {"action": "join_screening", "screening_id": screenings[0]})

    assert refused["statusCode"] == 400
    assert notifier.to("conn-1")[-2]["code"] == "too_many_screenings"
    assert _watchers(screenings[-1]) == []
    assert again["statusCode"] == 200
    assert _connection("conn-1").screenings == set(screenings[:-1])


def test_a_join_on_a_closed_connection_leaves_no_subscription_behind(ws, notifier, screening_id):
    """The `connection_is_open` condition fails: the subscription row written first is removed again."""
    ws.connect("conn-1")
    ws.disconnect("conn-1")

    answer = ws.send("conn-1", {"action": "join_screening", "screening_id": screening_id})

    assert answer["statusCode"] == 400
    assert notifier.to("conn-1")[-1]["code"] == "connection_not_found"
    assert _watchers(screening_id) == []


def _screenings(api, token_for, count: int) -> list[str]:
    """`count` real screenings of one small theater, four hours apart (the seat map needs their layout)."""
    admin = token_for("admin-1", "admin")
    layout = {"rows": [{"label": "A", "seats": [{"number": 1, "category": "standard"}]}], "prices": {"standard": 1200}}
    theater = api.post("/api/theaters", {"name": "Tiny", "layout": layout}, token=admin).json
    movie = api.post(
        "/api/movies",
        {"title": "Short", "description": "", "genres": ["Drama"], "duration_minutes": 90, "rating": "PG",
         "release_date": "2020-01-01"},
        token=admin,
    ).json  # fmt: skip
    ids = []
    for n in range(count):
        created = api.post(
            "/api/screenings",
            {
                "movie_id": movie["id"],
                "theater_id": theater["id"],
                "starts_at": f"2026-06-0{2 + n // 5}T{(n % 5) * 4 + 2:02}:00:00Z",
            },
            token=admin,
        )
        assert created.status == 201, created.json
        ids.append(created.json["id"])
    return ids
