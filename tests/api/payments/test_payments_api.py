"""Paying for a hold over HTTP: charged once, seats sold with tickets, every failure path checked in the tables."""

from __future__ import annotations

from chalicelib.domain.payments import Charge
from tests.api.payments.conftest import hold, ledger, new_key, pay, seat_statuses


def test_paying_a_hold_charges_its_total_once_and_sells_its_seats_with_one_ticket_each(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4", "F1"])

    response = pay(api, alice, reservation["id"])

    assert response.status == 201, response.json
    body = response.json
    assert body["status"] == "succeeded" and body["amount_cents"] == 1200 + 1800 and body["currency"] == "USD"
    assert sorted(t["seat_id"] for t in body["tickets"]) == ["C4", "F1"]
    assert all(t["status"] == "valid" and t["qr_payload"].startswith("CT1.") for t in body["tickets"])
    assert {t["seat_id"]: t["price_cents"] for t in body["tickets"]} == {"C4": 1200, "F1": 1800}
    seats = seat_statuses(api, screening)
    assert seats["C4"] == seats["F1"] == "sold"
    assert api.get(f"/api/seat-reservations/{reservation['id']}", token=alice).json["status"] == "paid"
    books = ledger()
    assert [c.amount_cents for c in books["charges"]] == [3000]


def test_a_payment_needs_an_idempotency_key(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4"])
    body = {"reservation_id": reservation["id"], "payment_method": {"type": "card", "token": "tok_visa"}}

    response = api.post("/api/payments", body, token=alice)

    assert response.status == 400
    assert response.json["error"]["code"] == "idempotency_key_required"
    assert ledger()["charges"] == []


def test_the_same_key_and_body_replay_the_first_answer_without_charging_again(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4"])
    key = new_key()
    first = pay(api, alice, reservation["id"], key=key)

    again = pay(api, alice, reservation["id"], key=key)

    assert (again.status, again.json) == (first.status, first.json) == (201, first.json)
    assert len(ledger()["charges"]) == 1


def test_the_same_key_with_another_body_is_a_422(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4"])
    key = new_key()
    pay(api, alice, reservation["id"], key=key)

    response = pay(api, alice, reservation["id"], card="tok_declined", key=key)

    assert response.status == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert len(ledger()["charges"]) == 1


def test_keys_are_scoped_to_the_user(api, alice, bob, screening):
    key = new_key()
    pay(api, alice, hold(api, alice, screening, ["C4"])["id"], key=key)

    response = pay(api, bob, hold(api, bob, screening, ["C5"])["id"], key=key)

    assert response.status == 201 and response.json["seat_ids"] == ["C5"]
    assert len(ledger()["charges"]) == 2


def test_a_declined_card_is_a_402_with_the_providers_message_and_the_hold_stays(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4"])

    response = pay(api, alice, reservation["id"], card="tok_declined")

    assert response.status == 402
    error = response.json["error"]
    assert error["code"] == "payment_declined" and error["message"] == "Your card was declined."
    assert error["details"]["decline_code"] == "card_declined"
    assert seat_statuses(api, screening)["C4"] == "held"
    assert api.get(f"/api/seat-reservations/{reservation['id']}", token=alice).json["status"] == "active"
    assert ledger()["charges"] == [] and len(ledger()["declines"]) == 1


def test_after_a_decline_another_card_with_a_new_key_pays(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4"])
    key = new_key()
    declined = pay(api, alice, reservation["id"], card="tok_insufficient_funds", key=key)

    replayed = pay(api, alice, reservation["id"], card="tok_insufficient_funds", key=key)
    paid = pay(api, alice, reservation["id"], card="tok_visa")

    assert declined.status == 402 and declined.json["error"]["details"]["decline_code"] == "insufficient_funds"
    assert (replayed.status, replayed.json) == (declined.status, declined.json)
    assert paid.status == 201
    assert len(ledger()["charges"]) == 1


def test_a_provider_timeout_is_reconciled_by_the_charges_key_never_charging_twice(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4"])

    response = pay(api, alice, reservation["id"], card="tok_timeout")

    assert response.status == 201, response.json
    assert len(ledger()["charges"]) == 1
    assert seat_statuses(api, screening)["C4"] == "sold"


def test_a_hold_that_expired_before_paying_is_a_409_and_charges_nothing(api, alice, screening, clock):
    reservation = hold(api, alice, screening, ["C4"])
    clock.advance(601)

    response = pay(api, alice, reservation["id"])

    assert response.status == 409 and response.json["error"]["code"] == "hold_expired"
    assert ledger()["charges"] == []


def test_a_hold_lost_while_the_card_was_charged_is_refunded_and_a_409(api, alice, bob, screening, clock, app_services):
    reservation = hold(api, alice, screening, ["C4"])
    provider = app_services.payment_provider
    real_charge = provider.charge

    def slow_charge(key, amount_cents, currency, token) -> Charge:
        charge = real_charge(key, amount_cents, currency, token)
        clock.advance(601)  # the hold lapses while the provider thinks...
        hold(api, bob, screening, ["C4"])  # ...and Bob takes the seat
        return charge

    provider.charge = slow_charge

    response = pay(api, alice, reservation["id"])

    assert response.status == 409 and response.json["error"]["code"] == "hold_expired"
    books = ledger()
    assert len(books["charges"]) == 1 and [r.charge_id for r in books["refunds"]] == [books["charges"][0].object_id]
    assert api.post("/api/tickets", {"reservation_id": reservation["id"]}, token=alice).status == 409
    assert seat_statuses(api, screening)["C4"] == "held"  # Bob's


def test_a_second_request_while_the_first_runs_is_a_409_with_retry_after(api, alice, screening, app_services):
    reservation = hold(api, alice, screening, ["C4"])
    key = new_key()
    provider = app_services.payment_provider
    real_charge = provider.charge
    during: list = []

    def charge_while_retried(*args) -> Charge:
        during.append(pay(api, alice, reservation["id"], key=key))
        return real_charge(*args)

    provider.charge = charge_while_retried

    first = pay(api, alice, reservation["id"], key=key)

    assert first.status == 201
    assert during[0].status == 409 and during[0].json["error"]["code"] == "idempotency_request_in_progress"
    assert int(during[0].headers["retry-after"]) >= 1
    assert len(ledger()["charges"]) == 1


def test_a_second_key_for_a_paid_reservation_is_refused_and_charges_nothing(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4"])
    pay(api, alice, reservation["id"])

    response = pay(api, alice, reservation["id"])

    assert response.status == 409 and response.json["error"]["code"] == "reservation_already_paid"
    assert len(ledger()["charges"]) == 1


def test_nobody_pays_for_someone_elses_hold(api, alice, bob, screening):
    reservation = hold(api, alice, screening, ["C4"])

    response = pay(api, bob, reservation["id"])

    assert response.status == 404 and response.json["error"]["code"] == "reservation_not_found"
    assert ledger()["charges"] == [] and seat_statuses(api, screening)["C4"] == "held"


def test_a_paid_reservation_cannot_be_released_and_its_seats_stay_sold(api, alice, screening, clock):
    reservation = hold(api, alice, screening, ["C4"])
    pay(api, alice, reservation["id"])

    response = api.delete(f"/api/seat-reservations/{reservation['id']}", token=alice)
    refused = hold_refused(api, alice, screening, ["C4"])
    clock.advance(3600)  # long past the hold's expiry

    assert response.status == 409 and response.json["error"]["code"] == "reservation_paid"
    assert refused
    assert seat_statuses(api, screening)["C4"] == "sold"


def hold_refused(api, token, screening, seats) -> bool:
    response = api.post("/api/seat-reservations", {"screening_id": screening["id"], "seat_ids": seats}, token=token)
    return response.status == 409 and response.json["error"]["code"] == "seats_unavailable"


def test_a_user_may_hold_again_for_the_same_screening_after_paying(api, alice, screening):
    pay(api, alice, hold(api, alice, screening, ["C4"])["id"])

    second = hold(api, alice, screening, ["C5"])

    assert pay(api, alice, second["id"]).status == 201
    assert seat_statuses(api, screening)["C4"] == "sold"


def test_a_malformed_payment_is_a_400_naming_the_field(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4"])
    body = {"reservation_id": reservation["id"], "payment_method": {"type": "card", "token": "4242 4242"}}

    response = api.post("/api/payments", body, token=alice, headers={"Idempotency-Key": new_key()})

    assert response.status == 400
    assert "payment_method.token" in [p["field"] for p in response.json["error"]["details"]["fields"]]


def test_the_client_cannot_set_an_amount(api, alice, screening):
    reservation = hold(api, alice, screening, ["C4"])
    body = {"reservation_id": reservation["id"], "payment_method": {"type": "card", "token": "tok_visa"}, "amount": 1}

    response = api.post("/api/payments", body, token=alice, headers={"Idempotency-Key": new_key()})

    assert response.status == 400 and ledger()["charges"] == []
