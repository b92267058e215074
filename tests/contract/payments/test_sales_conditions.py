"""What every `Sales` store guarantees: the in-memory fake and the DynamoDB adapter (on moto) alike. Each named
condition of the DynamoDB adapter (`chalicelib/adapters/dynamodb/payments.py`) has a case here that makes it fail.

The booking room's part of a sale (`still_held_by`, `reservation_is_active`, `holder_is`, `sold_by`) is tested
through the `SeatInventory` port in tests/contract/booking/test_seat_sale_contract.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import Conflict, HoldExpired
from chalicelib.domain.layout import parse_layout
from chalicelib.domain.payments import Payment, ticket_id_for
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.tickets import Ticket
from scripts.localcloud import moto_idempotency
from tests.contract.booking.conftest import SMALL_LAYOUT
from tests.contract.booking.conftest import a_hold as booking_hold

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
SCREENING = "scr_sales"


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request):
    """A seat inventory and the sales over it (on DynamoDB: with its ClientRequestToken semantics)."""
    if request.param == "memory":
        from tests.fakes.booking import InMemorySeatInventory
        from tests.fakes.payments import InMemorySales

        inventory = InMemorySeatInventory()
        sales = InMemorySales(inventory)
        inventory.add_screening(SCREENING, parse_layout(SMALL_LAYOUT).seats)
        yield inventory, sales
        return
    request.getfixturevalue("aws")
    from chalicelib.adapters.dynamodb.booking import DynamoSeatInventory
    from chalicelib.adapters.dynamodb.payments import DynamoSales

    moto_idempotency.forget()
    with moto_idempotency.PATCH.active():
        inventory, sales = DynamoSeatInventory(), DynamoSales()
        inventory.add_screening(SCREENING, parse_layout(SMALL_LAYOUT).seats)
        yield inventory, sales


def a_hold(inventory, user="alice", seats=("A1", "A2")) -> Reservation:
    hold = booking_hold(user, seats, screening_id=SCREENING)
    inventory.hold(hold, None, NOW)
    return hold


def a_payment(hold: Reservation, payment_id: str = "pay_1") -> Payment:
    return Payment(
        id=payment_id,
        reservation_id=hold.id,
        screening_id=hold.screening_id,
        user_id=hold.user_id,
        seat_ids=hold.seat_ids,
        amount_cents=hold.total_cents,
        currency="USD",
        status="charging",
        created_at=NOW,
        updated_at=NOW,
    )


def tickets_of(payment: Payment) -> list[Ticket]:
    return [
        Ticket(
            id=ticket_id_for(payment.id, seat),
            payment_id=payment.id,
            reservation_id=payment.reservation_id,
            screening_id=payment.screening_id,
            seat_id=seat,
            user_id=payment.user_id,
            price_cents=1200,
            currency="USD",
            status="valid",
            issued_at=NOW,
        )
        for seat in payment.seat_ids
    ]


def sold(inventory, sales, payment_id="pay_1", user="alice", seats=("A1", "A2")):
    hold = a_hold(inventory, user, seats)
    sales.claim(hold.id, payment_id)
    payment = sales.start(a_payment(hold, payment_id))
    succeeded = replace(payment, charge_id=f"ch_{payment_id}", ticket_ids=tuple(t.id for t in tickets_of(payment)))
    sales.complete_sale(succeeded, hold, tickets_of(payment), NOW)
    return hold, succeeded


def test_claim_is_free_fails_while_another_payment_holds_the_reservation_and_after_it_paid(stores):
    inventory, sales = stores
    hold = a_hold(inventory)
    sales.claim(hold.id, "pay_1")
    sales.claim(hold.id, "pay_1")  # the same payment again is fine

    with pytest.raises(Conflict) as running:
        sales.claim(hold.id, "pay_2")

    assert running.value.code == "payment_in_progress"
    sales.let_go(hold.id, "pay_1")
    sales.claim(hold.id, "pay_2")  # let go: another payment may claim


def test_claimed_by_fails_for_a_payment_that_lost_the_claim_so_it_neither_sells_nor_lets_go(stores):
    inventory, sales = stores
    hold = a_hold(inventory)
    sales.claim(hold.id, "pay_1")
    sales.let_go(hold.id, "pay_1")
    sales.claim(hold.id, "pay_2")
    sales.start(a_payment(hold, "pay_2"))
    stale = sales.start(a_payment(hold, "pay_1"))

    sales.let_go(hold.id, "pay_1")  # refused quietly: the claim is pay_2's
    with pytest.raises(Conflict):
        sales.complete_sale(replace(stale, charge_id="ch_1"), hold, tickets_of(stale), NOW)

    assert sales.payment_of(hold.id).id == "pay_2"
    assert {s.status for s in inventory.seat_states(SCREENING) if s.seat_id in hold.seat_ids} == {"held"}
    with pytest.raises(Conflict) as running:
        sales.claim(hold.id, "pay_3")
    assert running.value.code == "payment_in_progress"


def test_a_paid_reservation_is_claimed_for_good(stores):
    inventory, sales = stores
    hold, _ = sold(inventory, sales)

    with pytest.raises(Conflict) as paid:
        sales.claim(hold.id, "pay_2")

    assert paid.value.code == "reservation_already_paid"


def test_payment_is_new_keeps_the_first_payment_of_an_id(stores):
    inventory, sales = stores
    hold = a_hold(inventory)
    first = sales.start(a_payment(hold))

    again = sales.start(replace(a_payment(hold), amount_cents=1))

    assert again == first and sales.get("pay_1").amount_cents == hold.total_cents


def test_payment_is_refuses_a_move_from_a_state_the_payment_left_and_answers_the_stored_one(stores):
    inventory, sales = stores
    hold = a_hold(inventory)
    charging = sales.start(a_payment(hold))
    sales.move(charging, charging.moved("declined", NOW, failure_code="card_declined"))

    stored = sales.move(charging, charging.moved("failed", NOW))

    assert stored.status == "declined" and sales.get("pay_1").status == "declined"


def test_a_payment_that_moved_on_cannot_complete_a_sale_and_nothing_is_sold(stores):
    inventory, sales = stores
    hold = a_hold(inventory)
    sales.claim(hold.id, "pay_1")
    charging = sales.start(a_payment(hold))
    sales.move(charging, charging.moved("failed", NOW))

    with pytest.raises(Conflict):
        sales.complete_sale(replace(charging, charge_id="ch_1"), hold, tickets_of(charging), NOW)

    assert inventory.get(hold.id).status == "active"
    assert sales.tickets([t.id for t in tickets_of(charging)]) == []


def test_a_later_attempt_at_a_sale_that_was_written_is_told_the_payment_moved(stores):
    """A retry racing the recovery: both settle the same charge, a moment apart. The second is refused by its
    conditions (a Conflict the service reads as "settled already"), never by storage as a reused request token."""
    inventory, sales = stores
    hold, succeeded = sold(inventory, sales)

    with pytest.raises(Conflict):
        sales.complete_sale(succeeded, hold, tickets_of(succeeded), NOW + timedelta(seconds=1))

    assert sales.get(succeeded.id).status == "succeeded"


def test_the_sale_is_refused_whole_when_the_hold_lapsed_and_leaves_the_payment_charging(stores):
    inventory, sales = stores
    hold = a_hold(inventory)
    sales.claim(hold.id, "pay_1")
    charging = sales.start(a_payment(hold))

    with pytest.raises(HoldExpired):
        sales.complete_sale(replace(charging, charge_id="ch_1"), hold, tickets_of(charging), NOW + timedelta(hours=1))

    assert sales.get("pay_1").status == "charging" and sales.tickets([t.id for t in tickets_of(charging)]) == []


def test_ticket_is_new_refuses_a_second_ticket_with_the_same_id(stores):
    inventory, sales = stores
    alices, paid = sold(inventory, sales)
    other = a_hold(inventory, "bob", ("B1",))
    sales.claim(other.id, "pay_2")
    payment = sales.start(a_payment(other, "pay_2"))
    clash = [replace(tickets_of(payment)[0], id=paid.ticket_ids[0])]

    with pytest.raises(Conflict):
        sales.complete_sale(replace(payment, charge_id="ch_2"), other, clash, NOW)

    assert sales.ticket(paid.ticket_ids[0]).reservation_id == alices.id


def test_tickets_not_delivered_answers_true_once(stores):
    inventory, sales = stores
    _, paid = sold(inventory, sales)

    assert [sales.deliver_tickets(paid.id), sales.deliver_tickets(paid.id)] == [True, False]


def test_ticket_is_valid_admits_once_and_refuses_a_refunding_ticket(stores):
    inventory, sales = stores
    _, paid = sold(inventory, sales)
    first, second = sales.tickets(paid.ticket_ids)

    sales.check_in(first.id, NOW)
    with pytest.raises(Conflict) as twice:
        sales.check_in(first.id, NOW + timedelta(minutes=1))
    sales.begin_refund(second)
    with pytest.raises(Conflict) as refunding:
        sales.check_in(second.id, NOW)

    assert twice.value.code == "already_checked_in" and twice.value.details["checked_in_at"] == "2026-12-01T18:00:00Z"
    assert refunding.value.code == "ticket_refunded"


def test_ticket_is_refunding_finishes_a_refund_once_and_the_seat_goes_back_on_sale_with_it(stores):
    inventory, sales = stores
    _, paid = sold(inventory, sales)
    ticket = sales.tickets(paid.ticket_ids)[0]
    refunding = sales.begin_refund(ticket)

    done = sales.finish_refund(refunding, NOW)
    again = sales.finish_refund(refunding, NOW)

    assert done.status == again.status == "refunded"
    seats = {s.seat_id: s.status for s in inventory.seat_states(SCREENING)}
    assert seats[ticket.seat_id] == "available" and seats[paid.seat_ids[1]] == "sold"


def test_a_used_ticket_cannot_begin_a_refund(stores):
    inventory, sales = stores
    _, paid = sold(inventory, sales)
    ticket = sales.tickets(paid.ticket_ids)[0]
    sales.check_in(ticket.id, NOW)

    with pytest.raises(Conflict) as used:
        sales.begin_refund(ticket)

    assert used.value.code == "already_checked_in" and sales.ticket(ticket.id).status == "used"


def test_a_refunded_tickets_price_is_added_to_its_payment_once_however_often_the_refund_end_is_retried(stores):
    inventory, sales = stores
    _, paid = sold(inventory, sales)
    first, second = sales.tickets(paid.ticket_ids)
    refunding = sales.begin_refund(first)

    sales.finish_refund(refunding, NOW)
    sales.finish_refund(refunding, NOW)  # the same attempt again (on DynamoDB: the same request and token)
    sales.finish_refund(refunding, NOW + timedelta(seconds=5))  # a later attempt: refused by ticket_is("refunding")

    once = sales.get(paid.id)
    assert (once.status, once.refunded_cents) == ("succeeded", first.price_cents)
    sales.finish_refund(sales.begin_refund(second), NOW)
    assert sales.get(paid.id).refunded_cents == paid.amount_cents == first.price_cents + second.price_cents


@pytest.mark.parametrize("labelled_with", ["a payment that does not exist", "another user's payment"])
def test_payment_sold_refuses_a_refund_end_whose_payment_did_not_sell_the_ticket(stores, labelled_with):
    inventory, sales = stores
    _, bobs = sold(inventory, sales, "pay_2", "bob", ("B1",))
    other = "pay_gone" if labelled_with == "a payment that does not exist" else bobs.id
    hold = a_hold(inventory)
    sales.claim(hold.id, "pay_1")
    payment = sales.start(a_payment(hold))
    mislabelled = [replace(ticket, payment_id=other) for ticket in tickets_of(payment)]
    sales.complete_sale(
        replace(payment, charge_id="ch_1", ticket_ids=tuple(t.id for t in mislabelled)), hold, mislabelled, NOW
    )
    refunding = sales.begin_refund(mislabelled[0])

    with pytest.raises(Conflict) as refused:
        sales.finish_refund(refunding, NOW)

    assert refused.value.code == "refund_conflict"
    assert sales.ticket(refunding.id).status == "refunding"
    assert {s.seat_id: s.status for s in inventory.seat_states(SCREENING)}[refunding.seat_id] == "sold"
    assert sales.get("pay_gone") is None  # an ADD on no item would have made one
    assert (sales.get("pay_1").refunded_cents, sales.get("pay_2").refunded_cents) == (0, 0)
