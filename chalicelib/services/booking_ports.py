"""The ports the booking service needs, in the domain's words. Adapters implement them; fakes pass the same contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.holds import SeatState
from chalicelib.domain.layout import Layout, Seat
from chalicelib.domain.paging import Page
from chalicelib.domain.reservations import BookingEvent, ReleaseReason, Reservation


class SeatInventory(Protocol):
    """The seats of every screening and the holds on them. Each method is one atomic write or one read.

    A write refused by its condition raises the domain error named below (never a storage error);
    nothing is written then.
    """

    def add_screening(self, screening_id: str, seats: Sequence[Seat]) -> None:
        """Store a new screening's seats, each in its `SeatState.opening` state (available, or blocked).

        Called before the screening itself is stored, so no one can see the screening without its seats.
        """
        ...

    def remove_screening(self, screening_id: str, seat_ids: Sequence[str]) -> None:
        """Take back the seats of a screening that was refused, so no one will ever see it."""
        ...

    def seat_states(self, screening_id: str) -> list[SeatState]:
        """What is stored about every seat of a screening (one query): a seat map's changing part.

        Empty when the screening has no seats stored.
        """
        ...

    def hold(self, new: Reservation, replacing: Reservation | None, now: datetime) -> None:
        """Take every seat of `new` and record it, in one write; or change nothing and raise.

        Raises `SeatsUnavailable` (exactly the seats that were not free, no alternatives),
        `HoldCooldown` (free seats of the user's own hold that ended under the cooldown ago; a running
        chain, ``new.started_at == replacing.started_at``, keeps its seats and may pick again the ones
        it dropped) or `HoldChanged` (the user's current hold is not `replacing`; it carries that hold
        when the refusal tells it). With `replacing`, that hold's seats not in `new` are released in
        the same write, and it ends with status ``replaced``.
        """
        ...

    def release(
        self, reservation: Reservation, status: ReleaseReason, now: datetime, request_token: str | None = None
    ) -> tuple[str, ...]:
        """End an active hold (status ``released`` or ``expired``) and free the seats it still holds.

        Returns the seats freed; ``()`` when the hold had already ended, or, for ``expired``, when it is not
        past due at ``now`` (extended since it was read). Seats someone else took after the hold expired are
        left alone. The same `request_token` (at most 32 characters) again, with the same arguments, within
        ten minutes (a retry whose answer was lost) gets the same answer and writes nothing more; by
        default each call has its own.
        """
        ...

    def extend(
        self, reservation: Reservation, new_expiry: datetime, now: datetime, request_token: str | None = None
    ) -> Reservation:
        """Move an active, unextended hold's expiry (reservation and seats in one write).

        `HoldExpired` when the hold lapsed, ended, was extended already, or no longer has one of its seats.
        The same `request_token` again gets the same answer and writes nothing more.
        """
        ...

    def sell(self, reservation: Reservation, now: datetime) -> None:
        """Make every seat of an active, unexpired hold ``sold`` and the reservation ``paid``, in one write.

        `HoldExpired` when the hold lapsed, ended, or lost a seat (nothing is written). A sold seat is never
        freed by expiry, replacement or release. The payments room writes the same items inside its own
        sale transaction (`chalicelib.adapters.dynamodb.booking.add_sale`); this is the port's form of it.
        """
        ...

    def return_to_sale(self, screening_id: str, seat_id: str, reservation_id: str) -> None:
        """Put a seat sold by this reservation back on sale (available), in one write (a refund).

        `Conflict` ``seat_not_sold`` when the seat is not sold by that reservation.
        """
        ...

    def get(self, reservation_id: str) -> Reservation | None: ...

    def current_hold_id(self, user_id: str, screening_id: str) -> str | None:
        """The id of the user's latest hold for a screening (it may have expired or ended since)."""
        ...

    def for_user(self, user_id: str, limit: int, cursor: str | None) -> Page[Reservation]:
        """The user's reservations, newest first; `InvalidRequest` ``invalid_cursor`` for a cursor not of this list."""
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

    def nudge_all(self, holds: Sequence[tuple[str, str, datetime]], now: datetime) -> None:
        """The same for many holds, each as the seat stream tells it: (hold id, screening id, expiry)."""
        ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[BookingEvent]) -> None:
        """Called after a successful write, never before."""
        ...
