"""Storage too busy to decide (throttled, or a conflict that outlasts the retries) answers 503 service_busy with
Retry-After on every write path (accounts, catalog, holds, the surge queue, payments, tickets), at every write
step: never a 500, never a refusal about seats that may be free, and once storage recovers the same request
succeeds, so nothing half-written stands in its way."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from chalicelib.adapters.dynamodb.models.booking import ReservationItem, SeatItem
from chalicelib.domain.errors import ServiceBusy
from tests.api.busy.conftest import PASSWORD, World
from tests.api.busy.storage_faults import KINDS

Call = Callable[[], Any]


def _register(world: World) -> tuple[Call, int]:
    body = {"email": world.email(), "password": PASSWORD, "name": "Someone"}
    world.registering = body["email"]
    return lambda: world.api.post("/api/auth/register", body), 201


def _account_is_whole(world: World, retried: Any) -> bool:
    """A register that was busy after the account was written: the retry says email_taken, and the account
    signs in (docs/api.md): nothing half-made stands in the way."""
    if retried.status != 409 or retried.json["error"]["code"] != "email_taken":
        return False
    signed_in = world.api.post("/api/auth/login", {"email": world.registering, "password": PASSWORD})
    return signed_in.status == 200


def _tickets_delivered(world: World, retried: Any) -> bool:
    """Busy after the tickets were marked delivered: the retry answers the same tickets with 200."""
    return retried.status == 200 and bool(retried.json["items"])


RETRY_MAY_FIND_IT_DONE = {"register": _account_is_whole, "deliver_tickets": _tickets_delivered}


def _login(world: World) -> tuple[Call, int]:
    email = world.account()["email"]
    return lambda: world.api.post("/api/auth/login", {"email": email, "password": PASSWORD}), 200


def _failed_login(world: World) -> tuple[Call, int]:
    email = world.account()["email"]
    return lambda: world.api.post("/api/auth/login", {"email": email, "password": "not the password"}), 401


def _refresh(world: World) -> tuple[Call, int]:
    token = world.account()["refresh_token"]
    return lambda: world.api.post("/api/auth/refresh", {"refresh_token": token}), 200


def _logout(world: World) -> tuple[Call, int]:
    token = world.account()["refresh_token"]
    return lambda: world.api.post("/api/auth/logout", {"refresh_token": token}), 204


def _create_movie(world: World) -> tuple[Call, int]:
    from tests.api.busy.conftest import MOVIE

    return lambda: world.api.post("/api/movies", MOVIE, token=world.admin), 201


def _replace_movie(world: World) -> tuple[Call, int]:
    from tests.api.busy.conftest import MOVIE

    movie = world.movie()
    return lambda: world.api.put(f"/api/movies/{movie['id']}", {**MOVIE, "title": "Heat"}, token=world.admin), 200


def _delete_movie(world: World) -> tuple[Call, int]:
    movie = world.movie()
    return lambda: world.api.delete(f"/api/movies/{movie['id']}", token=world.admin), 204


def _create_theater(world: World) -> tuple[Call, int]:
    from tests.api.busy.conftest import LAYOUT

    return lambda: world.api.post("/api/theaters", {"name": "Screen", "layout": LAYOUT}, token=world.admin), 201


def _schedule(world: World) -> tuple[Call, int]:
    movie, theater = world.movie(), world.theater()
    body = {"movie_id": movie["id"], "theater_id": theater["id"], "starts_at": "2026-06-03T19:00:00Z"}
    return lambda: world.api.post("/api/screenings", body, token=world.admin), 201


def _queue_mode(world: World) -> tuple[Call, int]:
    screening = world.screening()
    return lambda: world.api.patch(f"/api/screenings/{screening['id']}", {"queue_mode": True}, token=world.admin), 200


def _hold(world: World) -> tuple[Call, int]:
    body = {"screening_id": world.screening()["id"], "seat_ids": ["B1", "B2"]}
    return lambda: world.api.post("/api/seat-reservations", body, token=world.customer), 201


def _replace_hold(world: World) -> tuple[Call, int]:
    held = world.hold()
    body = {"screening_id": held["screening_id"], "seat_ids": ["A2", "A3"]}
    return lambda: world.api.post("/api/seat-reservations", body, token=world.customer), 201


def _release(world: World) -> tuple[Call, int]:
    held = world.hold()
    return lambda: world.api.delete(f"/api/seat-reservations/{held['id']}", token=world.customer), 200


def _release_by_screening(world: World) -> tuple[Call, int]:
    held = world.hold()
    path = f"/api/seat-reservations/user/user-carol/screening/{held['screening_id']}"
    return lambda: world.api.delete(path, token=world.customer), 200


def _extend(world: World) -> tuple[Call, int]:
    held = world.hold()
    return lambda: world.api.post(f"/api/seat-reservations/{held['id']}/extend", token=world.customer), 200


def _enqueue(world: World) -> tuple[Call, int]:
    """A hold asked for while the screening is in queue mode: a request item, the line's count, the message."""
    screening = world.screening()
    world.ok(world.api.patch(f"/api/screenings/{screening['id']}", {"queue_mode": True}, token=world.admin), 200)
    body = {"screening_id": screening["id"], "seat_ids": ["C1"]}
    return lambda: world.api.post("/api/seat-reservations", body, token=world.customer), 202


def _pay(world: World) -> tuple[Call, int]:
    body = {"reservation_id": world.hold()["id"], "payment_method": {"type": "card", "token": "tok_visa"}}
    headers = {"Idempotency-Key": world.idempotency_key()}  # a client retries with the same key
    return lambda: world.api.post("/api/payments", body, token=world.customer, headers=headers), 201


def _deliver_tickets(world: World) -> tuple[Call, int]:
    body = {"reservation_id": world.paid()["reservation_id"]}
    return lambda: world.api.post("/api/tickets", body, token=world.customer), 201


def _check_in(world: World) -> tuple[Call, int]:
    body = {"qr_payload": world.paid()["tickets"][0]["qr_payload"]}
    return lambda: world.api.post("/api/tickets/check-in", body, token=world.staff), 200


def _refund(world: World) -> tuple[Call, int]:
    ticket = world.paid()["tickets"][0]
    return lambda: world.api.post(f"/api/tickets/{ticket['id']}/refund", token=world.customer), 200


WRITE_PATHS = {
    "register": _register,
    "login": _login,
    "failed_login": _failed_login,
    "refresh": _refresh,
    "logout": _logout,
    "create_movie": _create_movie,
    "replace_movie": _replace_movie,
    "delete_movie": _delete_movie,
    "create_theater": _create_theater,
    "schedule_screening": _schedule,
    "queue_mode": _queue_mode,
    "hold": _hold,
    "replace_hold": _replace_hold,
    "release": _release,
    "release_by_screening": _release_by_screening,
    "extend": _extend,
    "enqueue": _enqueue,
    "pay": _pay,
    "deliver_tickets": _deliver_tickets,
    "check_in": _check_in,
    "refund": _refund,
}


def _writes_of(world: World, faults, path: str) -> int:
    """How many write calls the request makes when storage is well (it also checks that it succeeds then)."""
    call, succeeds_with = WRITE_PATHS[path](world)
    before = len(faults.writes)
    assert call().status == succeeds_with
    return len(faults.writes) - before


def assert_busy(response: Any) -> None:
    assert response.status == 503, (response.status, response.json)
    assert response.json["error"]["code"] == "service_busy"
    assert response.headers["retry-after"] == "1"
    assert response.json["error"]["details"] == {"retry_after_seconds": 1}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("path", sorted(WRITE_PATHS))
def test_storage_too_busy_at_any_write_step_is_503_and_the_retry_succeeds(world, faults, path, kind):
    steps = _writes_of(world, faults, path)
    assert steps >= 1

    for step in range(1, steps + 1):
        call, succeeds_with = WRITE_PATHS[path](world)
        faults.fail(kind, from_nth=step)

        assert_busy(call())

        faults.stop()
        retried = call()
        done_already = RETRY_MAY_FIND_IT_DONE.get(path)
        assert retried.status == succeeds_with or (done_already and done_already(world, retried)), (
            f"the retry after a fault at write {step} of {steps}: {retried.status} {retried.json}"
        )


# --- the expiry consumer and the sweep: a busy store fails the invocation, so the event is tried again ---


def _expiry_event(lambdas, held: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"reservation_id": held["id"], "screening_id": held["screening_id"]})
    return lambdas.events.generate_sqs_event(message_bodies=[body], queue_name="test-hold-expiry")


def _sweep_event(lambdas) -> dict[str, Any]:
    return lambdas.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])


def _status_of(world: World, held: dict[str, Any]) -> str:
    return world.api.get(f"/api/seat-reservations/{held['id']}", token=world.customer).json["status"]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(("handler", "event_of"), [("expire_holds", _expiry_event), ("sweep_expired_holds", None)])
def test_a_busy_store_fails_the_expiry_consumer_and_the_sweep_and_the_next_try_releases(
    world, faults, lambdas, clock, kind, handler, event_of
):
    held = world.hold()
    clock.advance(601)
    event = event_of(lambdas, held) if event_of else _sweep_event(lambdas)
    faults.fail(kind)

    with pytest.raises(ServiceBusy):
        lambdas.lambda_.invoke(handler, event)

    assert _status_of(world, held) == "expired"  # past due reads as expired, and its seats as available
    faults.stop()
    lambdas.lambda_.invoke(handler, event)
    assert ReservationItem.get(held["id"]).status == "expired"


# --- SQS: the expiry nudge is best effort, so a throttled queue never fails a hold ---


def test_a_throttled_expiry_queue_cannot_fail_a_hold_and_the_sweep_releases_it_later(
    world, app_services, lambdas, clock
):
    # The hold path's one storage call is its transaction: the expiry nudge is sent from the seat stream
    # (chalicelib/api/seat_stream.py), so a throttled queue is never met by a hold.
    screening = world.screening()
    throttled = []

    def refuse(model, **_):
        throttled.append(model.name)
        return AWSResponse("https://sqs.local/", 400, {}, None), {
            "Error": {"Code": "ThrottlingException", "Message": "injected"},
            "ResponseMetadata": {},
        }

    events = app_services.sqs.meta.events
    for operation in ("SendMessage", "SendMessageBatch"):
        events.register(f"before-call.sqs.{operation}", refuse, unique_id=f"test-sqs-throttled-{operation}")
    try:
        held = world.hold(screening)
    finally:
        for operation in ("SendMessage", "SendMessageBatch"):
            events.unregister(f"before-call.sqs.{operation}", unique_id=f"test-sqs-throttled-{operation}")

    assert throttled == []
    clock.advance(601)
    lambdas.lambda_.invoke("sweep_expired_holds", _sweep_event(lambdas))
    assert ReservationItem.get(held["id"]).status == "expired"


@pytest.mark.parametrize("failing_write", [2, 3], ids=["second_batch_of_seats", "screening_transaction"])
def test_a_screening_storage_was_too_busy_to_write_leaves_no_seats_behind(world, faults, failing_write):
    movie, theater = world.movie(), world.theater()  # 32 seats: two batches, then the screening's transaction
    body = {"movie_id": movie["id"], "theater_id": theater["id"], "starts_at": "2026-06-03T19:00:00Z"}
    faults.fail("throttled_item", from_nth=failing_write, times=1)

    assert_busy(world.api.post("/api/screenings", body, token=world.admin))

    assert SeatItem.count() == 0


# --- reads ---


@pytest.mark.parametrize(
    "path",
    [
        "/api/seat-reservations/available-seats/{screening}",
        "/api/screenings/{screening}",
        "/api/movies",
        "/api/theaters",
    ],
)
def test_a_throttled_read_is_503_service_busy_too(world, faults, path):
    screening = world.screening()
    faults.fail("throttling", reads=True)

    assert_busy(world.api.get(path.format(screening=screening["id"])))


# --- the WebSocket ---


def test_a_busy_store_refuses_the_websocket_handshake_with_503_and_answers_a_message_service_busy(
    world, faults, ws, notifier
):
    screening = world.screening()
    faults.fail("throttling")

    assert ws.connect("conn-busy")["statusCode"] == 503

    faults.stop()
    assert ws.connect("conn-1")["statusCode"] == 200
    faults.fail("throttling", reads=True)
    assert ws.send("conn-1", {"action": "join_screening", "screening_id": screening["id"]})["statusCode"] == 400
    [error] = notifier.to("conn-1")
    assert error["code"] == "service_busy"
