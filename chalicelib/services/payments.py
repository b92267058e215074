"""Paying for a hold, exactly once: charge the hold's total, then sell its seats in one transaction.

Exactly once, at three levels (docs/payments.md):
- one answer per Idempotency-Key: the api layer runs `pay` under `Once` (Powertools' idempotency);
- one payment per reservation: a payment first *claims* the reservation (a conditional write), so a second
  key for the same hold is refused before it reaches the card;
- one charge per payment: the provider is called with the payment id as its idempotency key, so a retry, a
  timeout's reconciliation and the recovery all find the same charge instead of making another.

A payment left in ``charging`` (a timeout nobody could reconcile, a process that died) is settled by
`recover`, which the scheduled recovery calls: it asks the provider for the charge by its key and either
completes the sale or, when the hold is gone, refunds it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import (
    BookingError,
    Conflict,
    DependencyUnavailable,
    HoldExpired,
    NotFound,
    PaymentRequired,
    Unprocessable,
)
from chalicelib.domain.identity import Principal
from chalicelib.domain.paging import Page, check_limit
from chalicelib.domain.payments import (
    Charge,
    Payment,
    PaymentStatus,
    ProviderTimeout,
    max_seats_per_sale,
    payment_id_for,
    ticket_id_for,
)
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.tickets import Ticket
from chalicelib.services.booking_ports import SeatInventory
from chalicelib.services.payment_ports import PaymentProvider, Sales

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sale:
    """A payment and the tickets it bought (none unless it succeeded)."""

    payment: Payment
    tickets: tuple[Ticket, ...]


def check_transaction_fits(max_seats_per_hold: int) -> None:
    """A sale is one transaction of 2k + 4 items: refuse a configuration that could not be sold."""
    if max_seats_per_hold > max_seats_per_sale():
        raise RuntimeError(
            f"MAX_SEATS_PER_HOLD={max_seats_per_hold} cannot be paid for in one DynamoDB transaction "
            f"(100 items: at most {max_seats_per_sale()} seats)."
        )


@dataclass(eq=False)
class PaymentService:
    sales: Sales
    provider: PaymentProvider
    inventory: SeatInventory
    clock: Clock
    recovery_after: timedelta = timedelta(minutes=5)

    # --- paying ---

    def pay(self, principal: Principal, reservation_id: str, token: str, idempotency_key: str) -> Sale:
        """Charge the hold's snapshotted total once and sell its seats; raises the refusal otherwise.

        `PaymentRequired` when declined (the hold stays), `HoldExpired` when the hold is gone (after a refund
        if it was charged), `DependencyUnavailable` ``payment_pending`` when the provider's answer is unknown.
        """
        reservation = self._own_reservation(principal, reservation_id)
        payment_id = payment_id_for(principal.user_id, idempotency_key)
        payment = self.sales.get(payment_id)
        if payment is not None and payment.reservation_id != reservation.id:
            raise Unprocessable("idempotency_key_reused", "This Idempotency-Key paid for another reservation.")
        if payment is None:
            now = self.clock.now()
            if reservation.status == "paid":
                raise Conflict("reservation_already_paid", "This reservation is paid for already.")
            if not reservation.is_active_at(now):
                raise HoldExpired("hold_expired", "This hold has expired; hold the seats again.")
            self.sales.claim(reservation.id, payment_id)
            payment = self.sales.start(
                Payment(
                    id=payment_id,
                    reservation_id=reservation.id,
                    screening_id=reservation.screening_id,
                    user_id=reservation.user_id,
                    seat_ids=reservation.seat_ids,
                    amount_cents=reservation.total_cents,
                    currency=reservation.currency,
                    status="charging",
                    created_at=now,
                    updated_at=now,
                )
            )
        return self._settle(payment, reservation, token)

    def recover(self, limit: int = 50) -> int:
        """Settle every payment stuck in ``charging`` for longer than `recovery_after`. Idempotent."""
        due = self.sales.stuck_charging(self.clock.now() - self.recovery_after, limit)
        for payment_id in due:
            payment = self.sales.get(payment_id)
            reservation = self.inventory.get(payment.reservation_id) if payment else None
            if payment is None or reservation is None:
                continue
            try:
                self._settle(payment, reservation, token=None)
            except BookingError as outcome:
                log.info("recovered payment", extra={"payment_id": payment_id, "outcome": outcome.code})
        return len(due)

    # --- reading ---

    def history(self, principal: Principal, user_id: str, limit: int, cursor: str | None) -> Page[Payment]:
        principal.require_self_or_admin(user_id)
        return self.sales.for_user(user_id, check_limit(limit), cursor)

    # --- the state machine ---

    def _settle(self, payment: Payment, reservation: Reservation, token: str | None) -> Sale:
        if payment.status != "charging":
            return self._outcome(payment)
        charge = self._charge(payment, token)
        if charge is None:  # the recovery found no charge: the process died before the provider was asked
            self._end_without_sale(payment, "failed", "not_charged", "The payment was never charged.")
            raise DependencyUnavailable("payment_failed", "The payment could not be completed; nothing was charged.")
        if not charge.succeeded:
            ended = self._end_without_sale(payment, "declined", charge.decline_code, charge.message, charge.id)
            return self._outcome(ended)
        tickets = tuple(self._ticket(payment, seat, reservation.prices.get(seat, 0)) for seat in payment.seat_ids)
        succeeded = payment.moved(
            "succeeded", self.clock.now(), charge_id=charge.id, ticket_ids=tuple(t.id for t in tickets)
        )
        try:
            self.sales.complete_sale(succeeded, reservation, tickets, self.clock.now())
        except HoldExpired:
            self.provider.refund(charge.id, f"{payment.id}:hold_expired", charge.amount_cents)
            message = "Your hold expired before the payment went through; the charge was refunded."
            ended = self._end_without_sale(payment, "refunded", "hold_expired", message, charge.id)
            return self._outcome(ended)
        except Conflict:  # another settlement (a retry, the recovery) moved this payment first
            stored = self.sales.get(payment.id)
            return self._outcome(stored or payment)
        return Sale(succeeded, tickets)

    def _charge(self, payment: Payment, token: str | None) -> Charge | None:
        if token is None:
            return self.provider.find_charge(payment.id)
        try:
            return self.provider.charge(payment.id, payment.amount_cents, payment.currency, token)
        except ProviderTimeout:
            log.warning("provider timed out; reconciling", extra={"payment_id": payment.id})
        try:
            found = self.provider.find_charge(payment.id)
        except ProviderTimeout:
            found = None
        if found is None:
            raise DependencyUnavailable(
                "payment_pending",
                "The card processor did not answer. Retry with the same Idempotency-Key to see the outcome.",
            )
        return found

    def _end_without_sale(
        self, payment: Payment, status: PaymentStatus, code: str | None, message: str, charge_id: str | None = None
    ) -> Payment:
        ended = payment.moved(
            status,
            self.clock.now(),
            failure_code=code,
            failure_message=message,
            charge_id=charge_id,
        )
        stored = self.sales.move(payment, ended)
        if stored.status == status:
            self.sales.let_go(payment.reservation_id, payment.id)
        return stored

    def _outcome(self, payment: Payment) -> Sale:
        """What a settled payment answers: the sale, or the refusal it ended with."""
        if payment.status == "succeeded":
            return Sale(payment, tuple(self.sales.tickets(payment.ticket_ids)))
        if payment.status == "declined":
            raise PaymentRequired(
                "payment_declined",
                payment.failure_message or "Your card was declined.",
                {"decline_code": payment.failure_code or "card_declined", "payment_id": payment.id},
            )
        if payment.status == "refunded":
            raise HoldExpired("hold_expired", payment.failure_message or "The hold expired; the charge was refunded.")
        if payment.status == "failed":
            raise DependencyUnavailable("payment_failed", payment.failure_message or "The payment failed.")
        raise DependencyUnavailable("payment_pending", "This payment is still being settled; try again shortly.")

    def _ticket(self, payment: Payment, seat_id: str, price_cents: int) -> Ticket:
        return Ticket(
            id=ticket_id_for(payment.id, seat_id),
            payment_id=payment.id,
            reservation_id=payment.reservation_id,
            screening_id=payment.screening_id,
            seat_id=seat_id,
            user_id=payment.user_id,
            price_cents=price_cents,
            currency=payment.currency,
            status="valid",
            issued_at=self.clock.now(),
        )

    def _own_reservation(self, principal: Principal, reservation_id: str) -> Reservation:
        reservation = self.inventory.get(reservation_id)
        if reservation is None or reservation.user_id != principal.user_id:
            # Only the holder pays for a hold; anyone else's is as good as absent.
            raise NotFound("reservation_not_found", f"No reservation with id {reservation_id}.")
        return reservation
