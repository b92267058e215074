"""Surge mode over HTTP: 202 and the waiting line, its consumer, and the request's status (docs/surge.md)."""

from __future__ import annotations

import pytest
from chalice.test import Client

from app import app
from chalicelib.domain.surge import hold_id_for

RATE = 3  # SURGE_RATE_PER_SECOND in these tests


@pytest.fixture(autouse=True)
def surge_settings(monkeypatch):
    monkeypatch.setenv("SURGE_RATE_PER_SECOND", str(RATE))
    monkeypatch.setenv("SURGE_CALM_SECONDS", "30")
    monkeypatch.setenv("SURGE_MAX_WAIT_SECONDS", "120")


@pytest.fixture
def lambdas(app_services):
    with Client(app) as client:
        yield client


@pytest.fixture
def queued(api, admin, screening) -> dict:
    switched = api.patch(f"/api/screenings/{screening['id']}", {"queue_mode": True}, token=admin)
    assert switched.status == 200 and switched.json["queue_mode"] is True
    return screening


@pytest.fixture
def notifier(app_services):
    """What the app posts to WebSocket connections (asked for before anything builds the realtime room)."""
    from tests.api.realtime.conftest import RecordingNotifier

    recording = RecordingNotifier()
    app_services.__dict__["notifier"] = recording
    return recording


def ask(api, token, screening, seats):
    return api.post("/api/seat-reservations", {"screening_id": screening["id"], "seat_ids": seats}, token=token)


def status_of(api, token, request_id):
    return api.get(f"/api/seat-reservations/requests/{request_id}", token=token)


def waiting_messages(app_services) -> list[dict]:
    """Take every message of the surge line off the queue (as the event source mapping would), in order."""
    sqs = app_services.sqs
    url = sqs.get_queue_url(QueueName=f"{app_services.settings.queue_prefix}seat-requests.fifo")["QueueUrl"]
    messages: list[dict] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def deliver(lambdas, messages: list[dict], receive_count: int = 1) -> None:
    """Hand messages to the consumer in batches of 10, in the queue's order, as received `receive_count` times."""
    for start in range(0, len(messages), 10):
        bodies = [message["Body"] for message in messages[start : start + 10]]
        event = lambdas.events.generate_sqs_event(message_bodies=bodies, queue_name="test-seat-requests.fifo")
        for record in event["Records"]:
            record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        lambdas.lambda_.invoke("decide_seat_requests", event)


def seat_statuses(api, screening) -> dict[str, str]:
    seats = api.get(f"/api/seat-reservations/available-seats/{screening['id']}").json["seats"]
    return {seat["id"]: seat["status"] for seat in seats}


def reservations_of(api, token, user_id) -> list[dict]:
    return api.get(f"/api/seat-reservations/user/{user_id}", token=token).json["items"]


# --- the front door ---


def test_a_calm_screening_holds_at_once_with_201(api, alice, screening):
    response = ask(api, alice, screening, ["B1"])

    assert response.status == 201 and response.json["status"] == "active"


def test_in_queue_mode_a_hold_request_answers_202_queued_with_a_position(api, alice, queued, app_services):
    response = ask(api, alice, queued, ["B1", "B2"])

    assert response.status == 202
    assert response.json == {"request_id": response.json["request_id"], "status": "queued", "position": 1}
    assert len(waiting_messages(app_services)) == 1
    assert seat_statuses(api, queued)["B1"] == "available"  # nothing is held before the line gets to it


def test_a_queued_request_is_still_checked_for_what_needs_no_seat_map(api, alice, queued, app_services):
    unknown = ask(api, alice, queued, ["Z9"])

    assert unknown.status == 400 and unknown.json["error"]["code"] == "unknown_seat"
    assert waiting_messages(app_services) == []


def test_a_double_click_is_one_request_and_one_message(api, alice, queued, app_services, clock):
    first = ask(api, alice, queued, ["B1", "B2"])
    clock.advance(0.3)
    second = ask(api, alice, queued, ["B2", "B1"])

    assert second.status == 202 and second.json["request_id"] == first.json["request_id"]
    assert len(waiting_messages(app_services)) == 1


def test_the_requester_follows_the_request_until_it_holds_the_seats(api, alice, queued, app_services, lambdas):
    request_id = ask(api, alice, queued, ["B1", "B2"]).json["request_id"]
    assert status_of(api, alice, request_id).json["status"] == "queued"

    deliver(lambdas, waiting_messages(app_services))

    answer = status_of(api, alice, request_id)
    assert answer.status == 200
    body = answer.json
    assert body["status"] == "succeeded" and body["position"] == 0
    assert body["reservation"]["seat_ids"] == ["B1", "B2"] and body["reservation"]["status"] == "active"
    assert body["reservation"]["id"] == hold_id_for(request_id)
    assert "error" not in body
    assert seat_statuses(api, queued)["B1"] == "held"


def test_someone_elses_request_is_not_found_and_an_admin_sees_it(api, alice, bob, admin, queued):
    request_id = ask(api, alice, queued, ["B1"]).json["request_id"]

    assert status_of(api, bob, request_id).status == 404
    assert status_of(api, bob, request_id).json["error"]["code"] == "seat_request_not_found"
    assert status_of(api, admin, request_id).status == 200
    assert api.get(f"/api/seat-reservations/requests/{request_id}").status == 401


def test_the_first_to_ask_gets_the_seat_and_the_next_is_told_with_alternatives(
    api, alice, bob, queued, app_services, lambdas
):
    alices = ask(api, alice, queued, ["C4", "C5"]).json["request_id"]
    bobs = ask(api, bob, queued, ["C5", "C6"]).json["request_id"]

    deliver(lambdas, waiting_messages(app_services))

    assert status_of(api, alice, alices).json["status"] == "succeeded"
    lost = status_of(api, bob, bobs).json
    assert lost["status"] == "failed" and lost["position"] == 0 and "reservation" not in lost
    assert lost["error"]["code"] == "seats_unavailable"
    assert lost["error"]["details"]["unavailable_seat_ids"] == ["C5"]
    assert lost["error"]["details"]["alternatives"] and all(
        "C5" not in a["seat_ids"] for a in lost["error"]["details"]["alternatives"]
    )
    assert reservations_of(api, bob, "bob") == []


def test_each_requester_is_told_on_its_own_sockets_when_its_request_is_decided(
    notifier, api, alice, bob, lambdas, queued, app_services
):
    from tests.api.realtime.conftest import WebSocketRoutes

    sockets = WebSocketRoutes(lambdas.lambda_)
    sockets.connect("alice-phone", token=alice)
    sockets.connect("bob-phone", token=bob)
    won = ask(api, alice, queued, ["B1"]).json["request_id"]
    lost = ask(api, bob, queued, ["B1"]).json["request_id"]

    deliver(lambdas, waiting_messages(app_services))

    def queue_updates(connection_id: str) -> list[dict]:
        return [m for m in notifier.to(connection_id) if m["type"] == "queue_update"]

    assert queue_updates("alice-phone") == [
        {"type": "queue_update", "request_id": won, "status": "succeeded", "position": 0}
    ]
    assert queue_updates("bob-phone") == [
        {"type": "queue_update", "request_id": lost, "status": "failed", "position": 0}
    ]


def test_a_second_delivery_of_a_batch_makes_no_second_reservation(api, alice, bob, queued, app_services, lambdas):
    alices = ask(api, alice, queued, ["D1"]).json["request_id"]
    bobs = ask(api, bob, queued, ["D1"]).json["request_id"]
    messages = waiting_messages(app_services)

    deliver(lambdas, messages)
    first = (status_of(api, alice, alices).json, status_of(api, bob, bobs).json)
    deliver(lambdas, messages)

    assert (status_of(api, alice, alices).json, status_of(api, bob, bobs).json) == first
    assert [r["seat_ids"] for r in reservations_of(api, alice, "alice")] == [["D1"]]
    assert reservations_of(api, bob, "bob") == []


def test_a_consumer_that_dies_after_holding_decides_the_same_on_the_retry(
    api, alice, bob, queued, app_services, lambdas, monkeypatch
):
    alices = ask(api, alice, queued, ["E1", "E2"]).json["request_id"]
    bobs = ask(api, bob, queued, ["E2"]).json["request_id"]
    messages = waiting_messages(app_services)
    lines = app_services.surge.lines
    real_decide = lines.decide

    def crash(*args, **kwargs):
        raise RuntimeError("the consumer died after the holds, before recording the decisions")

    monkeypatch.setattr(lines, "decide", crash)
    with pytest.raises(RuntimeError):
        deliver(lambdas, messages)
    assert status_of(api, alice, alices).json["status"] == "queued"  # nothing recorded
    monkeypatch.setattr(lines, "decide", real_decide)

    deliver(lambdas, messages, receive_count=2)

    assert status_of(api, alice, alices).json["reservation"]["id"] == hold_id_for(alices)
    assert status_of(api, bob, bobs).json["error"]["code"] == "seats_unavailable"
    assert [r["id"] for r in reservations_of(api, alice, "alice")] == [hold_id_for(alices)]


def test_a_first_delivery_holds_its_winners_without_looking_for_a_hold_of_their_own(
    api, alice, queued, app_services, lambdas, monkeypatch
):
    request_id = ask(api, alice, queued, ["E4"]).json["request_id"]
    looked_up: list[str] = []
    inventory = app_services.seat_inventory
    real_get = inventory.get
    monkeypatch.setattr(inventory, "get", lambda hold_id: looked_up.append(hold_id) or real_get(hold_id))

    deliver(lambdas, waiting_messages(app_services))

    assert looked_up == []
    assert status_of(api, alice, request_id).json["reservation"]["id"] == hold_id_for(request_id)


def test_a_consumer_that_dies_between_counting_and_recording_keeps_the_arrival_order_on_the_retry(
    api, alice, bob, queued, app_services, lambdas, monkeypatch
):
    ids = [ask(api, token, queued, ["E3"]).json["request_id"] for token in (alice, bob)]
    messages = waiting_messages(app_services)
    from chalicelib.adapters.dynamodb.models.surge import SeatRequestItem

    real_batch_write = SeatRequestItem.batch_write

    def crash():
        raise RuntimeError("the consumer died after counting the batch, before recording it")

    monkeypatch.setattr(SeatRequestItem, "batch_write", crash)
    with pytest.raises(RuntimeError):
        deliver(lambdas, messages)
    monkeypatch.setattr(SeatRequestItem, "batch_write", real_batch_write)

    deliver(lambdas, messages, receive_count=2)

    decisions = [app_services.surge.requests.get(request_id).decision for request_id in ids]
    assert [(d.ordinal, d.status) for d in decisions] == [(0, "succeeded"), (1, "failed")]
    assert [r["id"] for r in reservations_of(api, alice, "alice")] == [hold_id_for(ids[0])]


def test_when_sold_out_the_rest_of_the_line_is_answered_without_touching_a_seat(
    api, admin, queued, app_services, lambdas, token_for
):
    seats = [s for s, status in seat_statuses(api, queued).items() if status == "available"]
    fillers = [seats[i : i + 10] for i in range(0, len(seats), 10)]
    for n, block in enumerate(fillers):
        ask(api, token_for(f"filler-{n}"), queued, block)
    late = {f"late-{n}": token_for(f"late-{n}") for n in range(12)}
    late_ids = {user: ask(api, token, queued, ["A2"]).json["request_id"] for user, token in late.items()}
    messages = waiting_messages(app_services)

    deliver(lambdas, messages[: len(fillers)])
    versions_before = {s.seat_id: s.version for s in app_services.seat_inventory.seat_states(queued["id"])}
    deliver(lambdas, messages[len(fillers) :])

    answers = [status_of(api, admin, request_id).json for request_id in late_ids.values()]
    assert {a["status"] for a in answers} == {"failed"}
    assert {a["error"]["code"] for a in answers} == {"sold_out"}
    versions_after = {s.seat_id: s.version for s in app_services.seat_inventory.seat_states(queued["id"])}
    assert versions_after == versions_before


def test_a_request_that_waited_too_long_expires_without_a_hold(api, alice, queued, app_services, lambdas, clock):
    request_id = ask(api, alice, queued, ["B1"]).json["request_id"]
    clock.advance(121)

    deliver(lambdas, waiting_messages(app_services))

    answer = status_of(api, alice, request_id).json
    assert answer["status"] == "failed" and answer["error"]["code"] == "request_expired"
    assert seat_statuses(api, queued)["B1"] == "available"


# --- switching ---


def test_a_rush_of_direct_attempts_switches_queue_mode_on_and_calm_switches_it_off(api, alice, bob, screening, clock):
    for n in range(RATE + 1):
        assert ask(api, alice if n % 2 else bob, screening, [f"B{n + 1}"]).status == 201

    assert api.get(f"/api/screenings/{screening['id']}").json["queue_mode"] is True
    clock.advance(1.5)
    assert ask(api, alice, screening, ["C1"]).status == 202

    clock.advance(31)
    assert api.get(f"/api/screenings/{screening['id']}").json["queue_mode"] is False
    assert ask(api, alice, screening, ["C2"]).status == 201


def test_attempts_below_the_rate_stay_direct(api, alice, screening, clock):
    for n in range(RATE):
        assert ask(api, alice, screening, [f"B{n + 1}"]).status == 201
    clock.advance(1.5)

    assert ask(api, alice, screening, ["C1"]).status == 201
    assert api.get(f"/api/screenings/{screening['id']}").json["queue_mode"] is False


def test_an_admin_switching_queue_mode_off_ends_a_surge_too(api, admin, alice, bob, screening, clock):
    for n in range(RATE + 1):
        ask(api, alice if n % 2 else bob, screening, [f"B{n + 1}"])
    assert api.get(f"/api/screenings/{screening['id']}").json["queue_mode"] is True

    off = api.patch(f"/api/screenings/{screening['id']}", {"queue_mode": False}, token=admin)

    assert off.status == 200 and off.json["queue_mode"] is False
    clock.advance(1.5)
    assert ask(api, alice, screening, ["C1"]).status == 201


def test_an_instance_serving_many_requests_at_once_counts_each_arrival_once_and_reads_its_line_once(
    api, queued, app_services, monkeypatch
):
    import threading
    import time

    from chalicelib.domain.identity import Principal

    surge = app_services.surge
    seats = [s for s, status in seat_statuses(api, queued).items() if status == "available"][:24]
    flushed: list[int] = []
    views: list[str] = []
    real_view, real_add = surge.lines.view, surge.lines.add_arrivals

    def slow_view(screening_id):
        views.append(screening_id)
        time.sleep(0.05)  # every other thread arrives while this read is out
        return real_view(screening_id)

    def slow_add(screening_id, shard, count):
        flushed.append(count)
        time.sleep(0.05)
        real_add(screening_id, shard, count)

    monkeypatch.setattr(surge.lines, "view", slow_view)
    monkeypatch.setattr(surge.lines, "add_arrivals", slow_add)
    surge._seen.clear()
    surge.in_queue_mode(queued["id"])  # this instance's first view
    views.clear()
    surge._seen[queued["id"]].at_ms = 0  # stale: the next requests read it again
    start = threading.Barrier(len(seats))

    def one(n: int) -> None:
        start.wait()
        surge.reserve(Principal(f"crowd-{n}"), queued["id"], [seats[n]])

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(seats))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert views == [queued["id"]]  # one thread read the line again, the others went on with the old view
    assert sum(flushed) + surge._seen[queued["id"]].unflushed == len(seats)  # none counted twice, none lost
