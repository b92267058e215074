"""The ports the booking service needs, in the domain's words. Adapters implement them; fakes pass the same contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.layout import Layout
from chalicelib.domain.reservations import BookingEvent, Reservation, SeatState, StoredStatus


class SeatsTaken(Exception):
    """The hold's write was refused because these seats are held by someone else, sold or blocked."""

    def __init__(self, seat_ids: Sequence[str]):
        self.seat_ids = tuple(seat_ids)
        super().__init__(f"seats taken: {', '.join(self.seat_ids)}")


class ActiveHoldExists(Exception):
    """The user already has an active hold for this screening (or it changed since it was read).

    `current` is that hold as far as the refusal tells (id, seats, times), when it tells.
    """

    def __init__(self, hold_id: str | None, current: Reservation | None = None):
        self.hold_id = hold_id
        self.current = current
        super().__init__(f"active hold: {hold_id}")


class SeatInventory(Protocol):
    """The seats of every screening and the holds on them. Each method is one atomic write or one read."""

    def seats(self, screening_id: str) -> list[SeatState]:
        """Every seat of a screening, as stored (one query). Empty when the screening has no inventory."""
        ...

    def statuses(self, screening_id: str) -> list[StoredStatus]:
        """The changing part of every seat of a screening (one projected query): what a seat map needs."""
        ...

    def hold(self, new: Reservation, replacing: Reservation | None, now: datetime) -> None:
        """Take every seat of `new` and record it, in one write; or change nothing and raise.

        Raises `SeatsTaken` (exactly the seats that were not free) or `ActiveHoldExists` (the user's
        current hold is not `replacing`). With `replacing`, that hold's seats not in `new` are released
        in the same write, and it ends with status ``replaced``.
        """
        ...

    def release(self, reservation: Reservation, status: str, now: datetime) -> tuple[str, ...]:
        """End an active hold (status ``released`` or ``expired``) and free the seats it still holds.

        Returns the seats freed; ``()`` when the hold had already ended. Seats someone else took after
        the hold expired are left alone.
        """
        ...

    def extend(self, reservation: Reservation, new_expiry: datetime, now: datetime) -> Reservation:
        """Move an active, unextended hold's expiry (reservation and seats in one write); `HoldExpired` if it lapsed."""
        ...

    def get(self, reservation_id: str) -> Reservation | None: ...

    def current_hold_id(self, user_id: str, screening_id: str) -> str | None:
        """The id of the user's latest hold for a screening (it may have expired or ended since)."""
        ...

    def for_user(self, user_id: str, limit: int = 50) -> list[Reservation]:
        """The user's reservations, newest first."""
        ...

    def due_for_expiry(self, now: datetime, limit: int = 100) -> list[str]:
        """Ids of active holds whose expiry has passed (the sweep's work list)."""
        ...


@dataclass(frozen=True)
class ScreeningForSale:
    """What a hold needs to know of a screening; none of it changes once the screening exists."""

    screening_id: str
    layout: Layout
    starts_at: datetime


class LayoutSource(Protocol):
    def screening_for_sale(self, screening_id: str) -> ScreeningForSale | None:
        """The seat layout (rows, aisles, categories, prices) and start of a screening; None when unknown."""
        ...


class ExpiryScheduler(Protocol):
    def schedule(self, reservation: Reservation, now: datetime) -> None:
        """Ask to be told when this hold expires (best effort: the sweep is the safety net)."""
        ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[BookingEvent]) -> None:
        """Called after a successful write, never before."""
        ...
