"""In-memory payments, claims and tickets, and a simulated provider: the guarantees of the DynamoDB adapters,
proven by the same contract suite (tests/contract/payments)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.adapters.payment_provider import DECLINES
from chalicelib.domain.errors import Conflict, HoldExpired
from chalicelib.domain.paging import Page
from chalicelib.domain.payments import Charge, Payment, ProviderTimeout
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.tickets import Ticket
from tests.fakes.booking import InMemorySeatInventory
from tests.fakes.paging import newest_first


class InMemorySales:
    def __init__(self, inventory: InMemorySeatInventory):
        self._inventory = inventory
        self._lock = threading.RLock()
        self._claims: dict[str, tuple[str, str]] = {}  # reservation id -> (payment id, state)
        self._payments: dict[str, Payment] = {}
        self._tickets: dict[str, Ticket] = {}

    def claim(self, reservation_id: str, payment_id: str) -> None:
        with self._lock:
            current = self._claims.get(reservation_id)
            if current is not None and current[0] != payment_id and current[1] != "let_go":
                if current[1] == "paid":
                    raise Conflict("reservation_already_paid", "This reservation is paid for already.")
                raise Conflict("payment_in_progress", "Another payment for this reservation is running.")
            self._claims[reservation_id] = (payment_id, "open")

    def let_go(self, reservation_id: str, payment_id: str) -> None:
        with self._lock:
            if self._claims.get(reservation_id) == (payment_id, "open"):
                self._claims[reservation_id] = (payment_id, "let_go")

    def start(self, payment: Payment) -> Payment:
        with self._lock:
            return self._payments.setdefault(payment.id, payment)

    def move(self, payment: Payment, moved: Payment) -> Payment:
        with self._lock:
            stored = self._payments[payment.id]
            if stored.status != payment.status:
                return stored
            self._payments[payment.id] = moved
            return moved

    def complete_sale(
        self, payment: Payment, reservation: Reservation, tickets: Sequence[Ticket], now: datetime
    ) -> None:
        with self._lock:
            stored = self._payments.get(payment.id)
            if stored is None or stored.status != "charging":
                raise Conflict("payment_moved", "This payment was settled by another attempt.")
            if self._claims.get(payment.reservation_id) != (payment.id, "open"):
                raise Conflict("payment_moved", "This payment does not hold the reservation.")
            if any(ticket.id in self._tickets for ticket in tickets):
                raise Conflict("payment_moved", "The sale met another write; settle again.")
            try:
                self._inventory.sell(reservation, now)
            except HoldExpired as lapsed:
                raise HoldExpired("hold_expired", "The hold expired before the payment completed.") from lapsed
            for ticket in tickets:
                self._tickets[ticket.id] = ticket
            self._payments[payment.id] = replace(payment, status="succeeded", updated_at=now)
            self._claims[payment.reservation_id] = (payment.id, "paid")

    def get(self, payment_id: str) -> Payment | None:
        return self._payments.get(payment_id)

    def payment_of(self, reservation_id: str) -> Payment | None:
        claim = self._claims.get(reservation_id)
        return self._payments.get(claim[0]) if claim else None

    def for_user(self, user_id: str, limit: int, cursor: str | None) -> Page[Payment]:
        mine = [p for p in self._payments.values() if p.user_id == user_id]
        return newest_first(mine, lambda p: p.created_at, limit, cursor, f"payments:{user_id}")

    def stuck_charging(self, before: datetime, limit: int) -> list[str]:
        stuck = [p.id for p in self._payments.values() if p.status == "charging" and p.updated_at <= before]
        return stuck[:limit]

    def deliver_tickets(self, payment_id: str) -> bool:
        with self._lock:
            payment = self._payments[payment_id]
            if payment.status != "succeeded" or payment.tickets_delivered:
                return False
            self._payments[payment_id] = replace(payment, tickets_delivered=True)
            return True

    def tickets(self, ticket_ids: Sequence[str]) -> list[Ticket]:
        return [self._tickets[ticket_id] for ticket_id in ticket_ids if ticket_id in self._tickets]

    def ticket(self, ticket_id: str) -> Ticket | None:
        return self._tickets.get(ticket_id)

    def tickets_of_user(self, user_id: str, limit: int, cursor: str | None) -> Page[Ticket]:
        mine = [t for t in self._tickets.values() if t.user_id == user_id]
        return newest_first(mine, lambda t: t.issued_at, limit, cursor, f"tickets:{user_id}")

    def check_in(self, ticket_id: str, now: datetime) -> Ticket:
        with self._lock:
            ticket = self._tickets[ticket_id]
            if ticket.status != "valid":
                raise self._refusal(ticket)
            self._tickets[ticket_id] = ticket.moved("used", checked_in_at=now)
            return self._tickets[ticket_id]

    def begin_refund(self, ticket: Ticket) -> Ticket:
        with self._lock:
            stored = self._tickets[ticket.id]
            if stored.status != "valid":
                raise self._refusal(stored)
            self._tickets[ticket.id] = stored.moved("refunding")
            return self._tickets[ticket.id]

    def finish_refund(self, ticket: Ticket, now: datetime) -> Ticket:
        with self._lock:
            stored = self._tickets[ticket.id]
            if stored.status == "refunded":
                return stored
            payment = self._payments.get(stored.payment_id)  # payment_sold: it exists and sold this ticket
            if payment is None or ticket.id not in payment.ticket_ids:
                raise Conflict("refund_conflict", "The payment of this ticket did not sell it.")
            if stored.status != "refunding":
                raise Conflict("refund_conflict", "This ticket changed during its refund; try again.")
            self._inventory.return_to_sale(stored.screening_id, stored.seat_id, stored.reservation_id)
            self._tickets[ticket.id] = stored.moved("refunded", refunded_at=now)
            self._payments[payment.id] = replace(
                payment, refunded_cents=payment.refunded_cents + stored.price_cents, updated_at=now
            )
            return self._tickets[ticket.id]

    @staticmethod
    def _refusal(ticket: Ticket) -> Conflict:
        if ticket.status == "used":
            at = ticket.checked_in_at.isoformat().replace("+00:00", "Z") if ticket.checked_in_at else None
            return Conflict("already_checked_in", "This ticket was checked in already.", {"checked_in_at": at})
        return Conflict("ticket_refunded", "This ticket was refunded.", {"ticket_id": ticket.id})


class InMemoryProvider:
    """The simulated provider's semantics with a ledger in memory; `unreachable` makes every call time out."""

    def __init__(self) -> None:
        self.charges: dict[str, Charge] = {}
        self.refunds: dict[str, tuple[str, int]] = {}
        self.unreachable = False
        self._ids = itertools.count(1)

    def charge(self, key: str, amount_cents: int, currency: str, token: str) -> Charge:
        if self.unreachable:
            raise ProviderTimeout(key)
        if key not in self.charges:
            decline = DECLINES.get(token)
            self.charges[key] = Charge(
                f"ch_{next(self._ids)}",
                key,
                amount_cents,
                currency,
                decline is None,
                decline[0] if decline else None,
                decline[1] if decline else "",
            )
            if token == "tok_timeout":
                raise ProviderTimeout(key)
        return self.charges[key]

    def find_charge(self, key: str) -> Charge | None:
        if self.unreachable:
            raise ProviderTimeout(key)
        return self.charges.get(key)

    def refund(self, charge_id: str, key: str, amount_cents: int) -> str:
        self.refunds.setdefault(key, (charge_id, amount_cents))
        return f"re_{key}"

    @property
    def succeeded_charges(self) -> list[Charge]:
        return [charge for charge in self.charges.values() if charge.succeeded]


if TYPE_CHECKING:  # `make typecheck` holds each fake to the port it stands for
    from chalicelib.services.payment_ports import PaymentProvider, Sales

    _sales: Sales = InMemorySales(InMemorySeatInventory())
    _provider: PaymentProvider = InMemoryProvider()
