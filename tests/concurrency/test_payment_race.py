"""Payments racing on the serialized moto server: one charge per key and per reservation, and the tables and
the provider's ledger agree afterwards."""

from __future__ import annotations

import random
import threading
import time

import pytest

from chalicelib.adapters.dynamodb.models.payments import PaymentItem, ProviderLedgerItem
from chalicelib.api.payments import PayBody, answer_once
from chalicelib.domain.errors import BookingError, InProgress, SeatsUnavailable
from chalicelib.domain.identity import Principal
from tests.concurrency.payment_invariants import check_payment_invariants

pytestmark = pytest.mark.slow

RACERS = 20


def body(reservation_id: str, card: str = "tok_visa") -> PayBody:
    return PayBody.model_validate({"reservation_id": reservation_id, "payment_method": {"type": "card", "token": card}})


def pay_until_answered(principal: Principal, request: PayBody, key: str) -> tuple[int, dict]:
    """What a client does: retry a 409 idempotency_request_in_progress after a moment, until answered."""
    for _ in range(200):
        try:
            answer = answer_once(principal, request, key)
            return answer["status"], answer["body"]
        except InProgress:
            time.sleep(0.05)
        except BookingError as refused:
            return 409 if refused.code in ("payment_in_progress", "reservation_already_paid") else 400, {
                "code": refused.code
            }
    raise AssertionError("never answered")


def race(work, n: int = RACERS) -> list:
    results: list = [None] * n
    errors: list[str] = []
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # anything here would have been a 5xx
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    return results


def succeeded_charges(screening_id: str) -> int:
    """Charges of this screening's payments (moto's server keeps its data across the tests of one process)."""
    ours = {f"charge:{p.id}" for p in PaymentItem.scan(PaymentItem.screening_id == screening_id, consistent_read=True)}
    ledger = ProviderLedgerItem.scan(consistent_read=True)
    return sum(1 for item in ledger if item.kind == "charge" and item.succeeded and item.key in ours)


def test_twenty_concurrent_payments_with_one_key_charge_once_and_all_get_the_same_answer(live_services, race_screening):
    alice = Principal("alice-race")
    hold = live_services.booking.hold_seats(alice, race_screening, ["E5", "E6"])

    answers = race(lambda i: pay_until_answered(alice, body(hold.id), "one-key-for-all"))

    assert {status for status, _ in answers} == {201}
    assert all(answer == answers[0] for answer in answers)
    assert succeeded_charges(race_screening) == 1
    assert check_payment_invariants(race_screening) == []


def test_twenty_concurrent_payments_for_one_reservation_with_different_keys_charge_once(live_services, race_screening):
    alice = Principal("alice-race")
    hold = live_services.booking.hold_seats(alice, race_screening, ["E5", "E6"])

    answers = race(lambda i: pay_until_answered(alice, body(hold.id), f"key-number-{i:03d}"))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (RACERS - 1)
    assert succeeded_charges(race_screening) == 1
    assert check_payment_invariants(race_screening) == []


def test_twenty_concurrent_refunds_of_one_ticket_give_its_price_back_once_and_count_it_on_the_payment_once(
    live_services, race_screening
):
    alice = Principal("alice-race")
    hold = live_services.booking.hold_seats(alice, race_screening, ["E5", "E6"])
    _, sale = pay_until_answered(alice, body(hold.id), "refund-race-key")
    ticket = sale["tickets"][0]

    def refund(i: int) -> str:
        try:
            return live_services.tickets.refund(alice, ticket["id"]).status
        except BookingError as refused:  # 409 ticket_refunded: another request began this refund first
            return refused.code

    outcomes = race(refund)

    assert "refunded" in outcomes and set(outcomes) <= {"refunded", "ticket_refunded"}, outcomes
    payment = live_services.sales.get(sale["id"])
    assert (payment.status, payment.refunded_cents) == ("succeeded", ticket["price_cents"])
    assert check_payment_invariants(race_screening) == []


def test_after_a_race_to_hold_and_pay_no_seat_is_sold_twice_and_the_ledger_matches_the_sales(
    live_services, race_screening
):
    hot = [f"F{n}" for n in range(5, 13)]

    def hold_and_pay(i: int) -> str:
        user = Principal(f"buyer-{i}")
        rng = random.Random(i)
        first = rng.randrange(len(hot) - 2)
        try:
            hold = live_services.booking.hold_seats(user, race_screening, hot[first : first + rng.randint(1, 2)])
        except SeatsUnavailable:
            return "lost the seats"
        status, _ = pay_until_answered(
            user, body(hold.id, rng.choice(["tok_visa", "tok_visa", "tok_declined"])), f"k-{i:04d}"
        )
        return str(status)

    outcomes = race(hold_and_pay)

    assert "201" in outcomes and "lost the seats" in outcomes, outcomes
    assert check_payment_invariants(race_screening) == []
