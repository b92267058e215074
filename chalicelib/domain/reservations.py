"""Reservations (holds): the rules a hold obeys, independent of storage.

Guarantees the storage adapter must keep, in one conditional write each:
- a hold takes all its seats or none; a seat can be taken when it is available, or held by a hold whose
  ``expires_at`` has passed (never sold, never blocked);
- a user has at most one active hold per screening: a new hold *replaces* the previous one atomically
  (seats in both stay held, seats only in the old one are released), so changing a selection never
  races the user's own hold;
- a chain of replacements and the one extension never push the expiry past ``started_at + max``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from chalicelib.domain.errors import Conflict, HoldExpired, InvalidRequest

SEAT_ID = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,2}$")

ReservationStatus = Literal["active", "released", "expired", "replaced", "paid"]
ReleaseReason = Literal["released", "expired", "replaced"]


@dataclass(frozen=True)
class HoldPolicy:
    hold_seconds: int = 600
    extension_seconds: int = 300
    max_seconds: int = 900
    max_seats: int = 10

    def validate_seats(self, seat_ids: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        """The seats of a hold request, in the order asked, or a 400 naming what is wrong."""
        if not seat_ids:
            raise InvalidRequest("validation_error", "Choose at least one seat.", {"fields": [{"field": "seat_ids"}]})
        if len(seat_ids) > self.max_seats:
            raise InvalidRequest(
                "too_many_seats",
                f"At most {self.max_seats} seats can be held at once; you asked for {len(seat_ids)}.",
                {"max_seats": self.max_seats, "requested": len(seat_ids)},
            )
        malformed = [seat for seat in seat_ids if not SEAT_ID.match(seat)]
        if malformed:
            raise InvalidRequest(
                "unknown_seat",
                f"Not a seat id: {', '.join(malformed)} (expected a row and a number, like F12).",
                {"unknown_seat_ids": malformed},
            )
        duplicates = sorted({seat for seat in seat_ids if seat_ids.count(seat) > 1})
        if duplicates:
            raise InvalidRequest(
                "duplicate_seats",
                f"Each seat can be asked for once: {', '.join(duplicates)}.",
                {"duplicate_seat_ids": duplicates},
            )
        return tuple(seat_ids)

    def expiry_of_new_hold(self, now: datetime, started_at: datetime) -> datetime:
        return min(now + timedelta(seconds=self.hold_seconds), started_at + timedelta(seconds=self.max_seconds))

    def extended_expiry(self, reservation: Reservation, now: datetime) -> datetime:
        if reservation.status != "active" or reservation.expires_at <= now:
            raise HoldExpired("hold_expired", "This hold has expired; hold the seats again.")
        if reservation.extended:
            raise Conflict("already_extended", "A hold can be extended once.")
        cap = reservation.started_at + timedelta(seconds=self.max_seconds)
        new_expiry = min(reservation.expires_at + timedelta(seconds=self.extension_seconds), cap)
        if new_expiry <= reservation.expires_at:
            raise Conflict(
                "extension_cap_reached",
                f"This hold already lasts the longest allowed ({self.max_seconds // 60} minutes from the first hold).",
            )
        return new_expiry


@dataclass(frozen=True)
class Reservation:
    id: str
    screening_id: str
    user_id: str
    seat_ids: tuple[str, ...]
    prices: dict[str, int]
    currency: str
    status: ReservationStatus
    created_at: datetime
    expires_at: datetime
    # When the chain of holds this one belongs to began (a replacement keeps it): the anti-hoarding cap.
    started_at: datetime
    extended: bool = False
    ended_at: datetime | None = None

    @property
    def total_cents(self) -> int:
        return sum(self.prices.values())

    def is_active_at(self, now: datetime) -> bool:
        return self.status == "active" and self.expires_at > now

    def status_at(self, now: datetime) -> ReservationStatus:
        """What a client is told: an active hold past its expiry has expired, whether or not it was released yet."""
        return "expired" if self.status == "active" and self.expires_at <= now else self.status

    def ended(self, status: ReservationStatus, at: datetime) -> Reservation:
        return replace(self, status=status, ended_at=at)


# --- events, published after each successful write -------------------------------------------------


@dataclass(frozen=True)
class SeatsHeld:
    screening_id: str
    hold_id: str
    user_id: str
    seat_ids: tuple[str, ...]
    expires_at: datetime
    kind: str = field(default="seats_held", init=False)


@dataclass(frozen=True)
class SeatsReleased:
    screening_id: str
    hold_id: str
    user_id: str
    seat_ids: tuple[str, ...]
    reason: ReleaseReason
    kind: str = field(default="seats_released", init=False)


BookingEvent = SeatsHeld | SeatsReleased
