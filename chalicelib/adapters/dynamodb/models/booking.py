"""Tables of the booking room: a screening's seat inventory, reservations (holds), and who holds what.

See docs/reservations.md for keys, conditions and their cost.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.adapters.dynamodb.base import CinemaModel


class SeatItem(CinemaModel):
    """One seat of one screening: only what changes. Its status and hold decide every sale.

    Where the seat is, its category and its price are the theater's layout's (docs/reservations.md).
    """

    class Meta(CinemaModel.Meta):
        table_name = "seats"

    screening_id = UnicodeAttribute(hash_key=True)
    seat_id = UnicodeAttribute(range_key=True)
    # available | held | sold | blocked. A "held" seat whose expires_at_ms has passed is free to take.
    status = UnicodeAttribute(default="available")
    hold_id = UnicodeAttribute(null=True)
    holder_id = UnicodeAttribute(null=True)
    expires_at_ms = NumberAttribute(null=True)
    # Rises on every change: the real-time feed orders seat updates by it.
    version = NumberAttribute(default=0)
    # The hold cooldown (chalicelib/domain/holds.py): whose latest hold had the seat, and until when they wait.
    cooling_for = UnicodeAttribute(null=True)
    cooling_until_ms = NumberAttribute(null=True)


class ByUserIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at_ms = NumberAttribute(range_key=True)


class ActiveByExpiryIndex(GlobalSecondaryIndex):
    """Sparse: only active holds carry ``expiry_shard``, so the sweep reads just what may need releasing."""

    class Meta:
        index_name = "active_by_expiry"
        projection = KeysOnlyProjection()

    expiry_shard = UnicodeAttribute(hash_key=True)
    expires_at_ms = NumberAttribute(range_key=True)


class ReservationItem(CinemaModel):
    """A hold of seats for one user at one screening, and what became of it."""

    class Meta(CinemaModel.Meta):
        table_name = "reservations"

    id = UnicodeAttribute(hash_key=True)
    screening_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    # PynamoDB types `of=` as the element's type rather than its attribute class: hence the ignores.
    seat_ids = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]
    prices: MapAttribute[str, int] = MapAttribute(default=dict)  # seat id -> cents, snapshotted at hold time
    total_cents = NumberAttribute()
    currency = UnicodeAttribute(default="USD")
    # active | released | expired | replaced
    status = UnicodeAttribute(default="active")
    created_at_ms = NumberAttribute()
    started_at_ms = NumberAttribute(null=True)  # start of the chain of replacements: the anti-hoarding cap
    expires_at_ms = NumberAttribute()
    extended = BooleanAttribute(default=False)
    ended_at_ms = NumberAttribute(null=True)
    expiry_shard = UnicodeAttribute(null=True)
    by_user = ByUserIndex()
    active_by_expiry = ActiveByExpiryIndex()
    purge_at = TTLAttribute(null=True)


class HolderItem(CinemaModel):
    """At most one active hold per user and screening: the anti-hoarding limit, enforced in the hold's own write."""

    class Meta(CinemaModel.Meta):
        table_name = "holders"

    user_id = UnicodeAttribute(hash_key=True)
    screening_id = UnicodeAttribute(range_key=True)
    hold_id = UnicodeAttribute()
    expires_at_ms = NumberAttribute()
    # Enough of the hold to replace it without reading it: a refused hold gets these back (ALL_OLD).
    seat_ids = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]  # see ReservationItem
    created_at_ms = NumberAttribute(null=True)
    started_at_ms = NumberAttribute(null=True)
    purge_at = TTLAttribute(null=True)


MODELS = [SeatItem, ReservationItem, HolderItem]
