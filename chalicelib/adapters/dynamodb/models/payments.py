"""Tables of the payments room: payments, the one claim per reservation, tickets, idempotency records,
and the simulated provider's ledger. See docs/payments.md for keys, conditions and their cost."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.adapters.dynamodb.base import CinemaModel


class PaymentsByUserIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at_ms = NumberAttribute(range_key=True)


class ChargingIndex(GlobalSecondaryIndex):
    """Sparse: only a payment in ``charging`` carries ``charging_shard``, so recovery reads just those."""

    class Meta:
        index_name = "charging"
        projection = KeysOnlyProjection()

    charging_shard = UnicodeAttribute(hash_key=True)
    updated_at_ms = NumberAttribute(range_key=True)


class PaymentItem(CinemaModel):
    """One attempt to pay for a reservation, keyed by the user's Idempotency-Key (`payment_id_for`)."""

    class Meta(CinemaModel.Meta):
        table_name = "payments"

    id = UnicodeAttribute(hash_key=True)
    reservation_id = UnicodeAttribute()
    screening_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    seat_ids = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]  # see ReservationItem
    amount_cents = NumberAttribute()
    currency = UnicodeAttribute()
    # charging | succeeded | declined | refunded | failed
    status = UnicodeAttribute()
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()
    charge_id = UnicodeAttribute(null=True)
    failure_code = UnicodeAttribute(null=True)
    failure_message = UnicodeAttribute(null=True)
    ticket_ids = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    tickets_delivered = BooleanAttribute(default=False)
    # the prices of its refunded tickets, ADDed by each refund's transaction (absent on items stored before: 0)
    refunded_cents = NumberAttribute(default=0)
    charging_shard = UnicodeAttribute(null=True)
    by_user = PaymentsByUserIndex()
    charging = ChargingIndex()


class PaymentClaimItem(CinemaModel):
    """At most one payment at a time per reservation: a second key for the same hold cannot charge again."""

    class Meta(CinemaModel.Meta):
        table_name = "payment_claims"

    reservation_id = UnicodeAttribute(hash_key=True)
    payment_id = UnicodeAttribute()
    # open (a payment runs) | paid | let_go (it ended without a sale: another payment may claim)
    state = UnicodeAttribute()
    purge_at = TTLAttribute(null=True)


class TicketsByUserIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    issued_at_ms = NumberAttribute(range_key=True)


class TicketItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "tickets"

    id = UnicodeAttribute(hash_key=True)
    payment_id = UnicodeAttribute()
    reservation_id = UnicodeAttribute()
    screening_id = UnicodeAttribute()
    seat_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    price_cents = NumberAttribute()
    currency = UnicodeAttribute()
    # valid | used | refunding | refunded
    status = UnicodeAttribute()
    issued_at_ms = NumberAttribute()
    checked_in_at_ms = NumberAttribute(null=True)
    refunded_at_ms = NumberAttribute(null=True)
    by_user = TicketsByUserIndex()


class IdempotencyItem(CinemaModel):
    """Powertools' idempotency records (its DynamoDB persistence layer's default attribute names).

    Declared here only so the table exists everywhere (tests, local cloud, template); Powertools reads and
    writes it. ``expiration`` is epoch seconds: TTL removes a record after the 24 h it is kept.
    """

    class Meta(CinemaModel.Meta):
        table_name = "idempotency"

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute(null=True)


class ProviderLedgerItem(CinemaModel):
    """The simulated provider's own books: one item per charge or refund, keyed by its idempotency key."""

    class Meta(CinemaModel.Meta):
        table_name = "provider_ledger"

    key = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # charge | refund
    object_id = UnicodeAttribute()  # ch_... or re_...
    amount_cents = NumberAttribute()
    currency = UnicodeAttribute()
    succeeded = BooleanAttribute()
    decline_code = UnicodeAttribute(null=True)
    message = UnicodeAttribute(null=True)
    charge_id = UnicodeAttribute(null=True)  # of a refund
    created_at_ms = NumberAttribute()


MODELS = [PaymentItem, PaymentClaimItem, TicketItem, IdempotencyItem, ProviderLedgerItem]
