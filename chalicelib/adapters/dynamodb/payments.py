"""Payments, claims and tickets on DynamoDB (`Sales`). A sale and a refund are each one `TransactWriteItems`.

A sale of k seats writes 2k + 4 items (docs/payments.md): the booking room's part (`add_sale`: k seats
``sold`` if `still_held_by`, the reservation ``paid`` if `reservation_is_active`, the holder gone if
`holder_is`), k new tickets (`ticket_is_new`), the payment (`payment_is_charging`) and the claim
(`claimed_by`). A refund's end writes the ticket (`ticket_is("refunding")`), its seat (`add_return`:
`sold_by`) and adds the ticket's price to its payment's `refunded_cents` (`payment_sold(ticket)`).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.adapters.dynamodb.base import CLIENT_TOKEN_MAX_CHARS, Transaction, busy, condition_failed, refused_as
from chalicelib.adapters.dynamodb.booking import add_return, add_sale, sale_refused
from chalicelib.adapters.dynamodb.models.payments import PaymentClaimItem, PaymentItem, TicketItem
from chalicelib.adapters.dynamodb.paging import newest_of_user
from chalicelib.domain.clock import epoch_ms, from_epoch_ms
from chalicelib.domain.errors import Conflict, HoldExpired
from chalicelib.domain.paging import Page
from chalicelib.domain.payments import Payment
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.tickets import Ticket

CHARGING_SHARDS = 4

# --- named conditions ----------------------------------------------------------------------------------


def claim_is_free(payment_id: str) -> Condition:
    """No payment holds the reservation, the one that does is this one, or the last let it go."""
    return (
        PaymentClaimItem.reservation_id.does_not_exist()
        | (PaymentClaimItem.payment_id == payment_id)
        | (PaymentClaimItem.state == "let_go")
    )


def claimed_by(payment_id: str) -> Condition:
    return (PaymentClaimItem.payment_id == payment_id) & (PaymentClaimItem.state == "open")


def payment_is_new() -> Condition:
    return PaymentItem.id.does_not_exist()


def payment_is(status: str) -> Condition:
    return PaymentItem.status == status


def tickets_not_delivered() -> Condition:
    return (PaymentItem.status == "succeeded") & (PaymentItem.tickets_delivered == False)  # noqa: E712


def payment_sold(ticket_id: str) -> Condition:
    """The payment exists and sold this ticket: a refund adds to this payment only, and never creates one.

    Only the sale's transaction writes ``ticket_ids``, as it makes the payment ``succeeded`` (its final state),
    so "lists the ticket" is also "succeeded". That a refund adds once is `ticket_is("refunding")`'s, in the
    same transaction: a retried or racing refund end is cancelled whole.
    """
    return PaymentItem.ticket_ids.contains(ticket_id)


def ticket_is_new() -> Condition:
    return TicketItem.id.does_not_exist()


def ticket_is(status: str) -> Condition:
    return TicketItem.status == status


def attempt_token(kind: str, key: str, now_ms: int) -> str:
    """The ClientRequestToken of one attempt at a sale or a refund's end, in DynamoDB's 36 characters.

    Per attempt: the attempt's time is in the request, so a later attempt (a retry, the recovery racing it) is
    another request, refused by its conditions once the first is written, never `IdempotentParameterMismatch`
    (a 500); the SDK's own retry of a lost answer repeats the same request and gets the first answer.
    """
    prefix = f"{kind}-"
    return prefix + hashlib.sha256(f"{key}\x00{now_ms}".encode()).hexdigest()[: CLIENT_TOKEN_MAX_CHARS - len(prefix)]


# --- mapping --------------------------------------------------------------------------------------------


def _payment(item: PaymentItem) -> Payment:
    return Payment(
        id=item.id,
        reservation_id=item.reservation_id,
        screening_id=item.screening_id,
        user_id=item.user_id,
        seat_ids=tuple(item.seat_ids),
        amount_cents=int(item.amount_cents),
        currency=item.currency,
        status=item.status,  # type: ignore[arg-type]
        created_at=from_epoch_ms(int(item.created_at_ms)),
        updated_at=from_epoch_ms(int(item.updated_at_ms)),
        charge_id=item.charge_id,
        failure_code=item.failure_code,
        failure_message=item.failure_message,
        ticket_ids=tuple(item.ticket_ids or ()),
        tickets_delivered=bool(item.tickets_delivered),
        refunded_cents=int(item.refunded_cents or 0),
    )


def _payment_item(payment: Payment) -> PaymentItem:
    return PaymentItem(
        payment.id,
        reservation_id=payment.reservation_id,
        screening_id=payment.screening_id,
        user_id=payment.user_id,
        seat_ids=list(payment.seat_ids),
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        status=payment.status,
        created_at_ms=epoch_ms(payment.created_at),
        updated_at_ms=epoch_ms(payment.updated_at),
        tickets_delivered=False,
        refunded_cents=0,
        charging_shard=str(zlib.crc32(payment.id.encode()) % CHARGING_SHARDS),
    )


def _ticket(item: TicketItem) -> Ticket:
    return Ticket(
        id=item.id,
        payment_id=item.payment_id,
        reservation_id=item.reservation_id,
        screening_id=item.screening_id,
        seat_id=item.seat_id,
        user_id=item.user_id,
        price_cents=int(item.price_cents),
        currency=item.currency,
        status=item.status,  # type: ignore[arg-type]
        issued_at=from_epoch_ms(int(item.issued_at_ms)),
        checked_in_at=from_epoch_ms(int(item.checked_in_at_ms)) if item.checked_in_at_ms else None,
        refunded_at=from_epoch_ms(int(item.refunded_at_ms)) if item.refunded_at_ms else None,
    )


def _ticket_item(ticket: Ticket) -> TicketItem:
    return TicketItem(
        ticket.id,
        payment_id=ticket.payment_id,
        reservation_id=ticket.reservation_id,
        screening_id=ticket.screening_id,
        seat_id=ticket.seat_id,
        user_id=ticket.user_id,
        price_cents=ticket.price_cents,
        currency=ticket.currency,
        status=ticket.status,
        issued_at_ms=epoch_ms(ticket.issued_at),
    )


def _ticket_refusal(ticket_id: str, stored: Ticket | None) -> Conflict:
    if stored is not None and stored.status == "used":
        at = stored.checked_in_at
        return Conflict(
            "already_checked_in",
            "This ticket was checked in already.",
            {"checked_in_at": at.isoformat().replace("+00:00", "Z") if at else None, "ticket_id": ticket_id},
        )
    if stored is not None and stored.status in ("refunded", "refunding"):
        return Conflict("ticket_refunded", "This ticket was refunded.", {"ticket_id": ticket_id})
    return Conflict("ticket_not_valid", "This ticket cannot be used.", {"ticket_id": ticket_id})


class DynamoSales:
    # --- claims and payments ---

    def claim(self, reservation_id: str, payment_id: str) -> None:
        item = PaymentClaimItem(reservation_id, payment_id=payment_id, state="open")
        try:
            item.save(condition=claim_is_free(payment_id))
        except PutError as error:
            if not condition_failed(error):
                raise
            current = PaymentClaimItem.get(reservation_id, consistent_read=True)
            if current.state == "paid":
                raise Conflict("reservation_already_paid", "This reservation is paid for already.") from error
            raise Conflict(
                "payment_in_progress", "Another payment for this reservation is running; wait for its outcome."
            ) from error

    def let_go(self, reservation_id: str, payment_id: str) -> None:
        try:
            PaymentClaimItem(reservation_id).update(
                [PaymentClaimItem.state.set("let_go")], condition=claimed_by(payment_id)
            )
        except UpdateError as error:
            if not condition_failed(error):
                raise  # refused: the claim is not this payment's any more, nothing to give back

    def start(self, payment: Payment) -> Payment:
        try:
            _payment_item(payment).save(condition=payment_is_new())
        except PutError as error:
            if not condition_failed(error):
                raise
            return self._as_stored(payment.id)
        return payment

    def move(self, payment: Payment, moved: Payment) -> Payment:
        actions: list[Action] = [
            PaymentItem.status.set(moved.status),
            PaymentItem.updated_at_ms.set(epoch_ms(moved.updated_at)),
            PaymentItem.charging_shard.remove(),
        ]
        if moved.charge_id:
            actions.append(PaymentItem.charge_id.set(moved.charge_id))
        if moved.failure_code:
            actions.append(PaymentItem.failure_code.set(moved.failure_code))
        if moved.failure_message:
            actions.append(PaymentItem.failure_message.set(moved.failure_message))
        try:
            PaymentItem(payment.id).update(actions, condition=payment_is(payment.status))
        except UpdateError as error:
            if not condition_failed(error):
                raise
            return self._as_stored(payment.id)
        return moved

    def _as_stored(self, payment_id: str) -> Payment:
        """The payment as the write that beat ours left it (our refused condition proves it exists)."""
        stored = self.get(payment_id)
        assert stored is not None
        return stored

    def complete_sale(
        self, payment: Payment, reservation: Reservation, tickets: Sequence[Ticket], now: datetime
    ) -> None:
        now_ms = epoch_ms(now)
        tx = Transaction(PaymentItem, token=attempt_token("sale", payment.id, now_ms))
        add_sale(tx, reservation, now_ms)
        for ticket in tickets:
            tx.save(f"ticket:{ticket.seat_id}", _ticket_item(ticket), ticket_is_new())
        tx.update(
            "payment",
            PaymentItem(payment.id),
            [
                PaymentItem.status.set("succeeded"),
                PaymentItem.charge_id.set(payment.charge_id or ""),
                PaymentItem.ticket_ids.set([ticket.id for ticket in tickets]),
                PaymentItem.updated_at_ms.set(now_ms),
                PaymentItem.charging_shard.remove(),
            ],
            payment_is("charging"),
        )
        tx.update(
            "claim",
            PaymentClaimItem(payment.reservation_id),
            [PaymentClaimItem.state.set("paid")],
            claimed_by(payment.id),
        )
        cancelled = tx.commit()
        if cancelled is None:
            return
        if cancelled.conflict_only:
            raise busy() from cancelled.error  # no condition refused the sale: another transaction was on its items
        if cancelled.failed("payment") or cancelled.failed("claim"):
            raise Conflict("payment_moved", "This payment was settled by another attempt.") from cancelled.error
        if sale_refused(cancelled):
            raise HoldExpired("hold_expired", "The hold expired before the payment completed.") from cancelled.error
        raise Conflict("payment_moved", "The sale met another write; settle again.") from cancelled.error

    def get(self, payment_id: str) -> Payment | None:
        try:
            return _payment(PaymentItem.get(payment_id, consistent_read=True))
        except PaymentItem.DoesNotExist:
            return None

    def payment_of(self, reservation_id: str) -> Payment | None:
        try:
            claim = PaymentClaimItem.get(reservation_id, consistent_read=True)
        except PaymentClaimItem.DoesNotExist:
            return None
        return self.get(claim.payment_id)

    def for_user(self, user_id: str, limit: int, cursor: str | None) -> Page[Payment]:
        items, next_cursor = newest_of_user(PaymentItem.by_user, "created_at_ms", user_id, limit, cursor)
        return Page([_payment(item) for item in items], next_cursor)

    def stuck_charging(self, before: datetime, limit: int) -> list[str]:
        due: list[str] = []
        for shard in range(CHARGING_SHARDS):
            query = PaymentItem.charging.query(
                str(shard), PaymentItem.updated_at_ms <= epoch_ms(before), limit=limit - len(due)
            )
            due.extend(item.id for item in query)
            if len(due) >= limit:
                break
        return due

    def deliver_tickets(self, payment_id: str) -> bool:
        try:
            PaymentItem(payment_id).update([PaymentItem.tickets_delivered.set(True)], condition=tickets_not_delivered())
        except UpdateError as error:
            if not condition_failed(error):
                raise
            return False
        return True

    # --- tickets ---

    def tickets(self, ticket_ids: Sequence[str]) -> list[Ticket]:
        if not ticket_ids:
            return []
        found = {item.id: _ticket(item) for item in TicketItem.batch_get(list(ticket_ids), consistent_read=True)}
        return [found[ticket_id] for ticket_id in ticket_ids if ticket_id in found]

    def ticket(self, ticket_id: str) -> Ticket | None:
        try:
            return _ticket(TicketItem.get(ticket_id, consistent_read=True))
        except TicketItem.DoesNotExist:
            return None

    def tickets_of_user(self, user_id: str, limit: int, cursor: str | None) -> Page[Ticket]:
        items, next_cursor = newest_of_user(TicketItem.by_user, "issued_at_ms", user_id, limit, cursor)
        return Page([_ticket(item) for item in items], next_cursor)

    def check_in(self, ticket_id: str, now: datetime) -> Ticket:
        item = TicketItem(ticket_id)
        with refused_as(lambda: _ticket_refusal(ticket_id, self.ticket(ticket_id))):
            # PynamoDB's update returns ALL_NEW into `item`: the admitted ticket without a second read.
            item.update(
                [TicketItem.status.set("used"), TicketItem.checked_in_at_ms.set(epoch_ms(now))],
                condition=ticket_is("valid"),
            )
        return _ticket(item)

    def begin_refund(self, ticket: Ticket) -> Ticket:
        with refused_as(lambda: _ticket_refusal(ticket.id, self.ticket(ticket.id))):
            TicketItem(ticket.id).update([TicketItem.status.set("refunding")], condition=ticket_is("valid"))
        return ticket.moved("refunding")

    def finish_refund(self, ticket: Ticket, now: datetime) -> Ticket:
        tx = Transaction(TicketItem, token=attempt_token("refund", ticket.id, epoch_ms(now)))
        tx.update(
            "ticket",
            TicketItem(ticket.id),
            [TicketItem.status.set("refunded"), TicketItem.refunded_at_ms.set(epoch_ms(now))],
            ticket_is("refunding"),
        )
        add_return(tx, ticket.screening_id, ticket.seat_id, ticket.reservation_id)
        tx.update(
            "payment",
            PaymentItem(ticket.payment_id),
            [PaymentItem.refunded_cents.add(ticket.price_cents), PaymentItem.updated_at_ms.set(epoch_ms(now))],
            payment_sold(ticket.id),
        )
        cancelled = tx.commit()
        if cancelled is not None and cancelled.conflict_only:
            raise busy() from cancelled.error  # still refunding: the same refund again finishes it
        if cancelled is not None:
            stored = self.ticket(ticket.id)
            if stored is not None and stored.status == "refunded":
                return stored
            if cancelled.failed("payment"):
                raise Conflict("refund_conflict", "The payment of this ticket did not sell it.") from cancelled.error
            raise Conflict("refund_conflict", "This ticket changed during its refund; try again.") from cancelled.error
        return ticket.moved("refunded", refunded_at=now)
