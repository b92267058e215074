"""Holds are released soon after they expire: a delayed message per hold, and a sweep every minute behind it."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from app import app


@pytest.fixture
def lambdas(app_services):
    with Client(app) as client:
        yield client


def hold(api, token, screening, seats) -> dict:
    response = api.post("/api/seat-reservations", {"screening_id": screening["id"], "seat_ids": seats}, token=token)
    assert response.status == 201, response.json
    return response.json


def seat_status(api, screening, seat_id) -> str:
    seats = api.get(f"/api/seat-reservations/available-seats/{screening['id']}").json["seats"]
    return {seat["id"]: seat for seat in seats}[seat_id]["status"]


def delayed_expiry_messages(app_services) -> int:
    sqs = app_services.sqs
    url = sqs.get_queue_url(QueueName=f"{app_services.settings.queue_prefix}hold-expiry")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"])


def test_every_hold_gets_one_expiry_message_delayed_until_it_expires_from_the_seat_stream(
    api, alice, screening, app_services, seat_stream
):
    hold(api, alice, screening, ["B1", "B2"])
    assert delayed_expiry_messages(app_services) == 0  # the hold path writes its transaction and nothing else

    seat_stream.deliver()

    assert delayed_expiry_messages(app_services) == 1


def test_the_expiry_consumer_releases_a_hold_that_is_due_and_marks_it_expired(api, alice, screening, clock, lambdas):
    reservation = hold(api, alice, screening, ["B1", "B2"])
    clock.advance(601)
    event = lambdas.events.generate_sqs_event(
        message_bodies=[json.dumps({"reservation_id": reservation["id"], "screening_id": screening["id"]})],
        queue_name="test-hold-expiry",
    )

    lambdas.lambda_.invoke("expire_holds", event)

    assert api.get(f"/api/seat-reservations/{reservation['id']}", token=alice).json["status"] == "expired"
    assert seat_status(api, screening, "B1") == "available"


def test_the_expiry_consumer_leaves_an_extended_hold_alone_and_nudges_again(
    api, alice, screening, clock, lambdas, app_services, seat_stream
):
    reservation = hold(api, alice, screening, ["B3"])
    seat_stream.deliver()
    api.post(f"/api/seat-reservations/{reservation['id']}/extend", token=alice)
    seat_stream.deliver()
    clock.advance(601)  # past the first expiry, before the extended one
    event = lambdas.events.generate_sqs_event(
        message_bodies=[json.dumps({"reservation_id": reservation["id"], "screening_id": screening["id"]})],
        queue_name="test-hold-expiry",
    )

    lambdas.lambda_.invoke("expire_holds", event)

    assert api.get(f"/api/seat-reservations/{reservation['id']}", token=alice).json["status"] == "active"
    assert delayed_expiry_messages(app_services) == 3  # the hold's, the extension's, and the consumer's nudge


def test_the_sweep_releases_every_hold_past_due(api, alice, bob, screening, clock, lambdas):
    first = hold(api, alice, screening, ["C1"])
    second = hold(api, bob, screening, ["C2"])
    clock.advance(601)
    still_running = hold(api, alice, screening, ["C8"])

    lambdas.lambda_.invoke("sweep_expired_holds", lambdas.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))  # fmt: skip

    assert api.get(f"/api/seat-reservations/{first['id']}", token=alice).json["status"] == "expired"
    assert api.get(f"/api/seat-reservations/{second['id']}", token=bob).json["status"] == "expired"
    assert api.get(f"/api/seat-reservations/{still_running['id']}", token=alice).json["status"] == "active"
    assert seat_status(api, screening, "C8") == "held"
