"""The ports the payment and ticket services need, in the domain's words (adapters implement them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.paging import Page
from chalicelib.domain.payments import Charge, Payment
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.tickets import Ticket


class PaymentProvider(Protocol):
    """A card processor with Stripe's semantics: every charge and refund carries its own idempotency key,
    and the same key never moves money twice."""

    def charge(self, key: str, amount_cents: int, currency: str, token: str) -> Charge:
        """Charge a card once per key (a repeated key answers the first outcome); a decline is a `Charge` that
        did not succeed. Raises `ProviderTimeout` when the provider did not answer: the charge may exist."""
        ...

    def find_charge(self, key: str) -> Charge | None:
        """The charge made with this key, if any: how a timeout or a crash is reconciled."""
        ...

    def refund(self, charge_id: str, key: str, amount_cents: int) -> str:
        """Give back (part of) a charge, once per key; the refund's id."""
        ...


class Sales(Protocol):
    """Payments, the one claim per reservation, and tickets. Each write is one conditional write; a sale and a
    refund are one transaction with the booking room's seat writes."""

    def claim(self, reservation_id: str, payment_id: str) -> None:
        """Take the reservation for this payment. `Conflict` ``payment_in_progress`` while another payment
        holds it, ``reservation_already_paid`` once one succeeded. Claiming again with the same payment is fine."""
        ...

    def let_go(self, reservation_id: str, payment_id: str) -> None:
        """Give the claim back after a payment ended without a sale (another payment may claim it)."""
        ...

    def start(self, payment: Payment) -> Payment:
        """Store a new `charging` payment; an existing payment with this id is returned as it is."""
        ...

    def move(self, payment: Payment, moved: Payment) -> Payment:
        """Record a change of state, if the stored payment is still in `payment`'s state; else the stored one."""
        ...

    def complete_sale(
        self, payment: Payment, reservation: Reservation, tickets: Sequence[Ticket], now: datetime
    ) -> None:
        """In one write: seats sold, reservation paid, tickets stored, payment succeeded, claim paid.
        `HoldExpired` when the hold is gone (nothing written); `Conflict` when the payment moved meanwhile."""
        ...

    def get(self, payment_id: str) -> Payment | None: ...

    def payment_of(self, reservation_id: str) -> Payment | None:
        """The payment holding the reservation's claim, if any."""
        ...

    def for_user(self, user_id: str, limit: int, cursor: str | None) -> Page[Payment]:
        """The user's payments, newest first; `InvalidRequest` ``invalid_cursor`` for a cursor not of this list."""
        ...

    def stuck_charging(self, before: datetime, limit: int) -> list[str]:
        """Ids of payments still `charging` since before this moment (the recovery's work list)."""
        ...

    def deliver_tickets(self, payment_id: str) -> bool:
        """Mark a succeeded payment's tickets delivered; whether this call was the first."""
        ...

    def tickets(self, ticket_ids: Sequence[str]) -> list[Ticket]: ...

    def ticket(self, ticket_id: str) -> Ticket | None: ...

    def tickets_of_user(self, user_id: str, limit: int, cursor: str | None) -> Page[Ticket]:
        """The user's tickets, newest first; `InvalidRequest` ``invalid_cursor`` for a cursor not of this list."""
        ...

    def check_in(self, ticket_id: str, now: datetime) -> Ticket:
        """`valid` -> `used` by a conditional write; `Conflict` ``already_checked_in`` (with the first scan's
        time), ``ticket_refunded`` otherwise."""
        ...

    def begin_refund(self, ticket: Ticket) -> Ticket:
        """`valid` -> `refunding`, conditionally; `Conflict` ``ticket_used`` / ``ticket_refunded``."""
        ...

    def finish_refund(self, ticket: Ticket, now: datetime) -> Ticket:
        """In one write: the ticket `refunded`, its seat back on sale, and its price added to its payment's
        `refunded_cents`, once however often it is called. A ticket refunded already is answered as stored;
        `Conflict` ``refund_conflict`` when the ticket is not `refunding` or its payment did not sell it."""
        ...


class Once(Protocol):
    """Runs a piece of work once per scope and replays its answer (the Idempotency-Key machinery)."""

    def run(self, scope: str, payload: Mapping[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """`work()`'s answer, stored for the scope; a repeat with the same payload gets the stored answer.
        `Unprocessable` ``idempotency_key_reused`` for another payload, `InProgress` while the first runs."""
        ...
