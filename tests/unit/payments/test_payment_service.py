"""The payment use cases on fakes: the state machine of docs/payments.md, each path with the ledger checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import Conflict, DependencyUnavailable, Forbidden, HoldExpired, NotFound, PaymentRequired
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import parse_layout
from chalicelib.domain.payments import ProviderTimeout
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.tickets import RefundPolicy
from chalicelib.services.payments import PaymentService
from chalicelib.services.tickets import TicketService, TicketSigner
from chalicelib.settings import DEV_TICKET_KEYS
from tests.contract.booking.conftest import SMALL_LAYOUT
from tests.fakes.booking import InMemorySeatInventory, StaticLayouts
from tests.fakes.clock import FakeClock
from tests.fakes.payments import InMemoryProvider, InMemorySales

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
SCREENING = "scr_unit"
ALICE, BOB = Principal("alice"), Principal("bob")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def inventory() -> InMemorySeatInventory:
    inventory = InMemorySeatInventory()
    inventory.add_screening(SCREENING, parse_layout(SMALL_LAYOUT).seats)
    return inventory


@pytest.fixture
def provider() -> InMemoryProvider:
    return InMemoryProvider()


@pytest.fixture
def sales(inventory) -> InMemorySales:
    return InMemorySales(inventory)


@pytest.fixture
def payments(sales, provider, inventory, clock) -> PaymentService:
    return PaymentService(sales, provider, inventory, clock, recovery_after=timedelta(minutes=5))


@pytest.fixture
def tickets(sales, provider, clock) -> TicketService:
    layouts = StaticLayouts()
    layouts.add(SCREENING, parse_layout(SMALL_LAYOUT), NOW + timedelta(days=1))
    signer = TicketSigner(DEV_TICKET_KEYS, "tdev-1")
    return TicketService(sales, provider, layouts, signer, clock, RefundPolicy(timedelta(hours=2)))


def hold(inventory, user: str = "alice", seats=("A1", "A2"), seconds: int = 600) -> Reservation:
    reservation = Reservation(
        id=f"rsv_{user}_{'_'.join(seats)}",
        screening_id=SCREENING,
        user_id=user,
        seat_ids=tuple(seats),
        prices={seat: 1200 for seat in seats},
        currency="USD",
        status="active",
        created_at=NOW,
        expires_at=NOW + timedelta(seconds=seconds),
        started_at=NOW,
    )
    inventory.hold(reservation, None, NOW)
    return reservation


def seat_statuses(inventory) -> dict[str, str]:
    return {state.seat_id: state.status for state in inventory.seat_states(SCREENING)}


def test_a_payment_charges_the_holds_total_once_and_sells_its_seats(payments, inventory, provider):
    reservation = hold(inventory)

    sale = payments.pay(ALICE, reservation.id, "tok_visa", "key-1")

    assert sale.payment.status == "succeeded" and sale.payment.amount_cents == 2400
    assert [t.seat_id for t in sale.tickets] == ["A1", "A2"]
    assert [c.amount_cents for c in provider.succeeded_charges] == [2400]
    assert seat_statuses(inventory)["A1"] == "sold"


def test_paying_again_with_the_same_key_settles_nothing_new(payments, inventory, provider):
    reservation = hold(inventory)
    first = payments.pay(ALICE, reservation.id, "tok_visa", "key-1")

    again = payments.pay(ALICE, reservation.id, "tok_visa", "key-1")

    assert again == first and len(provider.succeeded_charges) == 1


def test_a_declined_card_raises_the_providers_message_and_keeps_the_hold(payments, inventory, provider):
    reservation = hold(inventory)

    with pytest.raises(PaymentRequired) as declined:
        payments.pay(ALICE, reservation.id, "tok_insufficient_funds", "key-1")

    assert declined.value.message == "Your card has insufficient funds."
    assert declined.value.details["decline_code"] == "insufficient_funds"
    assert seat_statuses(inventory)["A1"] == "held" and provider.succeeded_charges == []


def test_an_unreachable_provider_leaves_the_payment_charging_and_the_recovery_completes_it(
    payments, inventory, provider, sales, clock
):
    reservation = hold(inventory)
    provider.charge("pay_never", 1, "USD", "tok_visa")  # unrelated
    provider.unreachable = True
    with pytest.raises(DependencyUnavailable) as pending:
        payments.pay(ALICE, reservation.id, "tok_visa", "key-1")
    assert pending.value.code == "payment_pending"
    payment = sales.payment_of(reservation.id)
    assert payment.status == "charging"

    provider.unreachable = False
    clock.advance(301)
    payments.recover()

    assert sales.get(payment.id).status == "failed"  # the provider never charged it: nothing to complete
    assert seat_statuses(inventory)["A1"] == "held"
    assert payments.pay(ALICE, reservation.id, "tok_visa", "key-2").payment.status == "succeeded"


def test_a_timeout_after_the_charge_is_reconciled_at_once(payments, inventory, provider):
    reservation = hold(inventory)

    sale = payments.pay(ALICE, reservation.id, "tok_timeout", "key-1")

    assert sale.payment.status == "succeeded" and len(provider.succeeded_charges) == 1


def test_a_hold_lost_during_the_charge_is_refunded_and_raises_hold_expired(payments, inventory, provider, clock):
    reservation = hold(inventory, seconds=60)
    real_charge = provider.charge

    def slow(*args):
        charge = real_charge(*args)
        clock.advance(61)
        return charge

    provider.charge = slow  # type: ignore[method-assign]

    with pytest.raises(HoldExpired):
        payments.pay(ALICE, reservation.id, "tok_visa", "key-1")

    [charge] = provider.succeeded_charges
    assert list(provider.refunds.values()) == [(charge.id, 2400)]
    assert seat_statuses(inventory)["A1"] == "held"  # still the lapsed hold's, free to take


def test_only_the_holder_pays_for_a_hold(payments, inventory, provider):
    reservation = hold(inventory)

    with pytest.raises(NotFound):
        payments.pay(BOB, reservation.id, "tok_visa", "key-1")

    assert provider.charges == {}


def test_a_second_key_for_a_paid_reservation_is_refused(payments, inventory):
    reservation = hold(inventory)
    payments.pay(ALICE, reservation.id, "tok_visa", "key-1")

    with pytest.raises(Conflict) as paid:
        payments.pay(ALICE, reservation.id, "tok_visa", "key-2")

    assert paid.value.code == "reservation_already_paid"


def test_check_in_needs_staff_and_admits_once(payments, tickets, inventory):
    sale = payments.pay(ALICE, hold(inventory).id, "tok_visa", "key-1")
    payload = tickets.payload_of(sale.tickets[0])

    with pytest.raises(Forbidden):
        tickets.check_in(ALICE, payload, None)
    admitted = tickets.check_in(Principal("door", "staff"), payload, SCREENING)
    with pytest.raises(Conflict) as twice:
        tickets.check_in(Principal("door", "staff"), payload, SCREENING)

    assert admitted.status == "used" and twice.value.code == "already_checked_in"


def test_a_refund_returns_the_price_once_and_the_seat_is_for_sale_again(payments, tickets, inventory, provider):
    sale = payments.pay(ALICE, hold(inventory).id, "tok_visa", "key-1")

    refunded = tickets.refund(ALICE, sale.tickets[0].id)
    tickets.refund(ALICE, sale.tickets[0].id)

    assert refunded.status == "refunded"
    assert list(provider.refunds.values()) == [(sale.payment.charge_id, 1200)]
    assert seat_statuses(inventory)["A1"] == "available" and seat_statuses(inventory)["A2"] == "sold"


def test_a_refund_left_refunding_completes_on_the_next_try_and_counts_on_its_payment_once(
    payments, tickets, sales, inventory, provider
):
    sale = payments.pay(ALICE, hold(inventory).id, "tok_visa", "key-1")
    sales.begin_refund(sale.tickets[0])  # the process died after this (or after the provider's refund)

    tickets.refund(ALICE, sale.tickets[0].id)
    tickets.refund(ALICE, sale.tickets[0].id)

    (payment,) = payments.history(ALICE, "alice", 20, None).items
    assert (payment.status, payment.refunded_cents) == ("succeeded", 1200)
    assert list(provider.refunds.values()) == [(sale.payment.charge_id, 1200)]


def test_a_payment_whose_tickets_were_all_refunded_still_reads_as_the_sale_it_was(payments, tickets, inventory):
    reservation = hold(inventory)
    sale = payments.pay(ALICE, reservation.id, "tok_visa", "key-1")
    for ticket in sale.tickets:
        tickets.refund(ALICE, ticket.id)

    again = payments.pay(ALICE, reservation.id, "tok_visa", "key-1")  # the same key, its stored answer long gone
    delivered, _ = tickets.issue(ALICE, reservation.id)

    assert (again.payment.status, again.payment.refunded_cents) == ("succeeded", again.payment.amount_cents)
    assert {t.status for t in again.tickets} == {t.status for t in delivered} == {"refunded"}


def test_the_owner_cannot_refund_within_the_cutoff_but_an_admin_can(payments, tickets, inventory, clock):
    sale = payments.pay(ALICE, hold(inventory).id, "tok_visa", "key-1")
    clock.advance(23 * 3600)  # an hour before the show; the cutoff is two

    with pytest.raises(Conflict) as closed:
        tickets.refund(ALICE, sale.tickets[0].id)

    assert closed.value.code == "refund_window_closed"
    assert tickets.refund(Principal("boss", "admin"), sale.tickets[0].id).status == "refunded"


def test_a_charge_whose_answer_was_lost_is_completed_by_the_recovery_never_charged_twice(
    payments, inventory, provider, sales, clock
):
    reservation = hold(inventory)
    real_charge = provider.charge

    def charged_then_unreachable(*args):
        real_charge(*args)
        provider.unreachable = True
        raise ProviderTimeout("the answer was lost")

    provider.charge = charged_then_unreachable  # type: ignore[method-assign]
    with pytest.raises(DependencyUnavailable):
        payments.pay(ALICE, reservation.id, "tok_visa", "key-1")
    provider.charge = real_charge  # type: ignore[method-assign]
    provider.unreachable = False
    clock.advance(60)
    payments.recover()
    assert sales.payment_of(reservation.id).status == "charging"  # too recent: it may still be running

    clock.advance(241)
    payments.recover()

    assert sales.payment_of(reservation.id).status == "succeeded"
    assert len(provider.succeeded_charges) == 1 and seat_statuses(inventory)["A1"] == "sold"


def TimeoutError_():
    from chalicelib.domain.payments import ProviderTimeout

    return ProviderTimeout("lost answer")
