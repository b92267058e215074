"""Payments: what a payment is, the states it moves through, and the rules that decide them.

A payment pays for one reservation (a hold), exactly once::

    charging ──declined──────────────────────────> declined   (the claim on the hold is let go; hold stays)
        │  └──provider never charged (recovery)──> failed     (idem)
        └──charged──> sale written ──────────────> succeeded  (seats sold, tickets issued, reservation paid)
                 └──> sale refused (hold lapsed) ─> refunded   (the charge is refunded, 409 hold_expired)

`charging` is the only state a crash can leave behind; the scheduled recovery asks the provider what
became of the charge (by its idempotency key, the payment id) and moves it on (docs/payments.md).
The amount is always the hold's snapshotted total, never an amount a client sent.

`succeeded` is final: refunding tickets afterwards does not move the status (``refunded`` keeps its one
meaning, a charge given back because the sale was refused) but adds each ticket's price to
`refunded_cents`, in the transaction that completes that ticket's refund. So `amount_cents -
refunded_cents` is what the payment still holds, and ``refunded_cents == amount_cents`` says every ticket
was refunded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

PaymentStatus = Literal["charging", "succeeded", "declined", "refunded", "failed"]

TRANSACTION_ITEM_LIMIT = 100
"""DynamoDB's TransactWriteItems ceiling: a sale of k seats writes 2k + 4 items (`sale_items`)."""


def sale_items(seat_count: int) -> int:
    """Items in the transaction that completes a payment: k seats, k tickets, reservation, holder, payment, claim."""
    return 2 * seat_count + 4


def max_seats_per_sale() -> int:
    return (TRANSACTION_ITEM_LIMIT - sale_items(0)) // 2


def payment_id_for(user_id: str, idempotency_key: str) -> str:
    """The payment a user's Idempotency-Key stands for: a retry after a crash finds the same payment."""
    digest = hashlib.sha256(f"{user_id}\x00{idempotency_key}".encode()).hexdigest()
    return f"pay_{digest[:26]}"


def ticket_id_for(payment_id: str, seat_id: str) -> str:
    """One ticket per seat of a payment, with an id a retried sale writes again rather than duplicates."""
    return "tkt_" + hashlib.sha256(f"{payment_id}\x00{seat_id}".encode()).hexdigest()[:26]


class ProviderTimeout(Exception):
    """The provider did not answer in time: the charge may or may not exist (reconcile by its key)."""


@dataclass(frozen=True)
class Charge:
    """The provider's record of one charge, found again by the idempotency key it was made with."""

    id: str
    key: str
    amount_cents: int
    currency: str
    succeeded: bool
    decline_code: str | None = None
    message: str = ""


@dataclass(frozen=True)
class Payment:
    id: str
    reservation_id: str
    screening_id: str
    user_id: str
    seat_ids: tuple[str, ...]
    amount_cents: int
    currency: str
    status: PaymentStatus
    created_at: datetime
    updated_at: datetime
    charge_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    ticket_ids: tuple[str, ...] = ()
    tickets_delivered: bool = False
    refunded_cents: int = 0
    """What refunds of this payment's tickets gave back (a succeeded payment only); 0 to `amount_cents`."""

    def moved(self, status: PaymentStatus, at: datetime, **changes: object) -> Payment:
        return replace(self, status=status, updated_at=at, **changes)  # type: ignore[arg-type]
