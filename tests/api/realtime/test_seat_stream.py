"""Every committed seat change reaches every watcher through the seat table's stream, with a seq per screening.

The stream is moto's, read by the local event pump's reader and handed to the app's ``seat_stream``
handler in Lambda's event shape; what the app posts is recorded.
"""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from app import app


@pytest.fixture
def screening(screening_id, seat_stream) -> str:
    """A screening whose creation (its seats' first writes) the stream has delivered already."""
    seat_stream.deliver()
    return screening_id


@pytest.fixture
def alice(token_for) -> str:
    return token_for("alice")


@pytest.fixture
def bob(token_for) -> str:
    return token_for("bob")


def watch(ws, notifier, connection_id: str, screening_id: str, token: str | None = None) -> dict:
    ws.connect(connection_id, token=token)
    ws.send(connection_id, {"action": "join_screening", "screening_id": screening_id})
    [snapshot] = notifier.to(connection_id)
    return snapshot


def hold(api, token: str, screening_id: str, seats: list[str]) -> dict:
    answer = api.post("/api/seat-reservations", {"screening_id": screening_id, "seat_ids": seats}, token=token)
    assert answer.status == 201, answer.json
    return answer.json


def updates(notifier, connection_id: str) -> list[dict]:
    return [m for m in notifier.to(connection_id) if m["type"] == "seat_status_update" and not m.get("snapshot")]


def test_a_hold_reaches_every_watcher_as_the_next_seq_with_the_seats_held(
    api, ws, notifier, seat_stream, screening, alice
):
    first = watch(ws, notifier, "conn-1", screening)
    second = watch(ws, notifier, "conn-2", screening)

    hold(api, alice, screening, ["A1", "A2"])
    seat_stream.deliver()

    for connection_id, snapshot in (("conn-1", first), ("conn-2", second)):
        [update] = updates(notifier, connection_id)
        assert update["screening_id"] == screening
        assert update["seq"] == snapshot["seq"] + 1
        assert update["changes"] == [{"seat_id": "A1", "status": "held"}, {"seat_id": "A2", "status": "held"}]


def test_a_release_follows_with_the_seq_after_and_the_seats_available(api, ws, notifier, seat_stream, screening, alice):
    snapshot = watch(ws, notifier, "conn-1", screening)
    held = hold(api, alice, screening, ["B1"])
    seat_stream.deliver()

    assert api.delete(f"/api/seat-reservations/{held['id']}", token=alice).status == 200
    seat_stream.deliver()

    held_update, released_update = updates(notifier, "conn-1")
    assert held_update["seq"] == snapshot["seq"] + 1
    assert released_update["seq"] == snapshot["seq"] + 2
    assert released_update["changes"] == [{"seat_id": "B1", "status": "available"}]


def test_changes_of_one_screening_in_one_batch_are_one_message(api, ws, notifier, seat_stream, screening, alice, bob):
    snapshot = watch(ws, notifier, "conn-1", screening)

    hold(api, alice, screening, ["A1"])
    hold(api, bob, screening, ["B4"])
    seat_stream.deliver()

    [update] = updates(notifier, "conn-1")
    assert update["seq"] == snapshot["seq"] + 1
    assert update["changes"] == [{"seat_id": "A1", "status": "held"}, {"seat_id": "B4", "status": "held"}]


def test_a_seat_held_and_released_within_one_batch_tells_watchers_nothing(
    api, ws, notifier, seat_stream, screening, alice
):
    watch(ws, notifier, "conn-1", screening)

    held = hold(api, alice, screening, ["A3"])
    api.delete(f"/api/seat-reservations/{held['id']}", token=alice)
    seat_stream.deliver()

    assert updates(notifier, "conn-1") == []


def test_an_expiry_released_by_the_consumer_reaches_watchers(api, ws, notifier, seat_stream, screening, alice, clock):
    held = hold(api, alice, screening, ["A4"])
    seat_stream.deliver()
    watch(ws, notifier, "conn-1", screening)
    clock.advance(601)

    with Client(app) as lambdas:
        event = lambdas.events.generate_sqs_event(
            message_bodies=[json.dumps({"reservation_id": held["id"], "screening_id": screening})],
            queue_name="test-hold-expiry",
        )
        lambdas.lambda_.invoke("expire_holds", event)
    seat_stream.deliver()

    [update] = updates(notifier, "conn-1")
    assert update["changes"] == [{"seat_id": "A4", "status": "available"}]


def test_a_snapshot_after_changes_carries_the_seq_they_reached_and_shows_them(
    api, ws, notifier, seat_stream, screening, alice
):
    early = watch(ws, notifier, "conn-1", screening)
    hold(api, alice, screening, ["A1"])
    seat_stream.deliver()

    late = watch(ws, notifier, "conn-2", screening)

    assert late["seq"] == early["seq"] + 1
    assert {seat["id"]: seat["status"] for seat in late["seats"]}["A1"] == "held"


def test_a_change_committed_before_a_snapshot_but_sent_after_it_is_discarded_by_its_seq(
    api, ws, notifier, seat_stream, screening, alice
):
    """The join reads seq after subscribing: a change the snapshot already shows arrives at or below its seq."""
    hold(api, alice, screening, ["B2"])  # committed, its stream record not yet handled
    snapshot = watch(ws, notifier, "conn-1", screening)
    assert {seat["id"]: seat["status"] for seat in snapshot["seats"]}["B2"] == "held"

    seat_stream.deliver()

    [update] = updates(notifier, "conn-1")
    assert update["seq"] == snapshot["seq"] + 1  # counted after the snapshot's read: the client applies it
    assert update["changes"] == [{"seat_id": "B2", "status": "held"}]  # and it agrees with the snapshot


def test_a_retried_batch_is_sent_again_with_the_same_seq(app_services, api, ws, notifier, screening, alice):
    """`not_counted_yet` fails for a batch whose record was counted already: the seq it was given is reused."""
    from chalicelib.domain.holds import SeatState
    from chalicelib.domain.seat_changes import SeatChange

    snapshot = watch(ws, notifier, "conn-1", screening)
    batch = [SeatChange(screening, SeatState("A1", "available"), SeatState("A1", "sold"), "0" * 39 + "7")]

    app_services.realtime.seat_changes(batch)
    app_services.realtime.seat_changes(batch)
    app_services.realtime.seat_changes([SeatChange(screening, SeatState("A2", "available"),
                                                   SeatState("A2", "blocked"), "0" * 38 + "11")])  # fmt: skip

    assert [u["seq"] for u in updates(notifier, "conn-1")] == [snapshot["seq"] + 1] * 2 + [snapshot["seq"] + 2]


def test_the_holders_own_connections_are_told_what_their_hold_reserved_and_released(
    api, ws, notifier, seat_stream, screening, alice, bob
):
    watch(ws, notifier, "alice-phone", screening, token=alice)
    ws.connect("alice-laptop", token=alice)
    ws.connect("bob-phone", token=bob)
    ws.connect("anonymous")

    first = hold(api, alice, screening, ["A1", "A2"])
    seat_stream.deliver()
    second = hold(api, alice, screening, ["A2", "A3"])  # replaces the first: A1 freed, A3 taken
    seat_stream.deliver()

    for connection_id in ("alice-phone", "alice-laptop"):
        told = [
            {**m, "seat_ids": sorted(m["seat_ids"])}
            for m in notifier.to(connection_id)
            if m["type"] in ("seat_reserved", "seat_released")
        ]
        assert told == [
            {"type": "seat_reserved", "screening_id": screening, "seat_ids": ["A1", "A2"],
             "reservation_id": first["id"]},
            {"type": "seat_reserved", "screening_id": screening, "seat_ids": ["A2", "A3"],
             "reservation_id": second["id"]},
            {"type": "seat_released", "screening_id": screening, "seat_ids": ["A1", "A2"],
             "reservation_id": first["id"]},
        ]  # fmt: skip
    assert notifier.to("bob-phone") == [] and notifier.to("anonymous") == []


def test_the_hold_path_sends_no_expiry_nudge_and_the_stream_sends_one_per_hold(
    api, seat_stream, screening, alice, app_services
):
    from tests.api.reservations.test_hold_expiry_events import delayed_expiry_messages

    hold(api, alice, screening, ["A1", "A2", "A3"])
    assert delayed_expiry_messages(app_services) == 0

    seat_stream.deliver()

    assert delayed_expiry_messages(app_services) == 1
