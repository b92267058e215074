"""In-memory seat inventory: the same guarantees as the DynamoDB adapter, proven by the same contract suite."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.domain.clock import epoch_ms
from chalicelib.domain.errors import Conflict, HoldChanged, HoldExpired, SeatsUnavailable
from chalicelib.domain.holds import SeatState, SeatStatus, cooldown_ends_ms, cooldown_refusal
from chalicelib.domain.layout import Layout, Seat
from chalicelib.domain.paging import Page
from chalicelib.domain.reservations import BookingEvent, ReleaseReason, Reservation
from chalicelib.services.booking_ports import ScreeningForSale
from chalicelib.settings import Settings
from tests.fakes.paging import newest_first

DEFAULT_COOLDOWN_SECONDS = Settings.hold_cooldown_seconds
T = TypeVar("T")


class InMemorySeatInventory:
    def __init__(self, cooldown_seconds: int = DEFAULT_COOLDOWN_SECONDS) -> None:
        self._lock = threading.Lock()
        self._cooldown_seconds = cooldown_seconds
        self._seats: dict[str, dict[str, SeatState]] = {}
        self._reservations: dict[str, Reservation] = {}
        self._holders: dict[tuple[str, str], tuple[str, int]] = {}
        # ClientRequestToken -> (the call, its answer): a repeated call is answered as the first, as DynamoDB does
        self._answered: dict[str, tuple[tuple[object, ...], Any]] = {}

    def set_status(self, screening_id: str, seat_id: str, status: SeatStatus) -> None:
        self._seats[screening_id][seat_id] = replace(self._seats[screening_id][seat_id], status=status)

    # --- the port ---

    def add_screening(self, screening_id: str, seats: Sequence[Seat]) -> None:
        with self._lock:
            self._seats[screening_id] = {seat.id: SeatState.opening(seat) for seat in seats}

    def remove_screening(self, screening_id: str, seat_ids: Sequence[str]) -> None:
        with self._lock:
            stored = self._seats.get(screening_id, {})
            for seat_id in seat_ids:
                stored.pop(seat_id, None)
            if not stored:
                self._seats.pop(screening_id, None)

    def seat_states(self, screening_id: str) -> list[SeatState]:
        return list(self._seats.get(screening_id, {}).values())

    def get(self, reservation_id: str) -> Reservation | None:
        return self._reservations.get(reservation_id)

    def current_hold_id(self, user_id: str, screening_id: str) -> str | None:
        holder = self._holders.get((user_id, screening_id))
        return holder[0] if holder else None

    def for_user(self, user_id: str, limit: int, cursor: str | None) -> Page[Reservation]:
        mine = [r for r in self._reservations.values() if r.user_id == user_id]
        return newest_first(mine, lambda r: r.created_at, limit, cursor, f"reservations:{user_id}")

    def due_for_expiry(self, now: datetime, limit: int = 100) -> list[str]:
        return [r.id for r in self._reservations.values() if r.status == "active" and r.expires_at <= now][:limit]

    def hold(self, new: Reservation, replacing: Reservation | None, now: datetime) -> None:
        now_ms = epoch_ms(now)
        with self._lock:
            seats = self._seats[new.screening_id]
            kept = set(new.seat_ids) & set(replacing.seat_ids) if replacing else set()
            holder = self._holders.get((new.user_id, new.screening_id))
            if replacing:
                if holder is None or holder[0] != replacing.id:
                    raise HoldChanged(self._current(holder))
                if self._reservations[replacing.id].status != "active":
                    raise HoldChanged()
            elif holder is not None and holder[1] > now_ms:
                raise HoldChanged(self._current(holder))
            continuing = replacing is not None and replacing.started_at == new.started_at
            taken = [
                seat_id
                for seat_id in new.seat_ids
                if not (
                    self._held_by(seats.get(seat_id), replacing.id)
                    if replacing and seat_id in kept
                    else self._is_free(seats.get(seat_id), now_ms)
                )
            ]
            if taken:
                raise SeatsUnavailable(taken)
            cooling = [
                seats[seat_id]
                for seat_id in new.seat_ids
                if not (continuing and seat_id in kept) and seats[seat_id].cooling_down_for(new.user_id, now_ms)
            ]
            if cooling:
                raise cooldown_refusal(cooling, now_ms)
            if new.id in self._reservations:
                raise Conflict("reservation_exists", f"A reservation with id {new.id} exists already.")
            if replacing:
                for seat_id in replacing.seat_ids:
                    if seat_id not in kept and self._held_by(seats.get(seat_id), replacing.id):
                        freed = self._freed(seats[seat_id])
                        seats[seat_id] = (
                            replace(freed, cooling_for=None, cooling_until_ms=None) if continuing else freed
                        )
                self._reservations[replacing.id] = self._reservations[replacing.id].ended("replaced", now)
            for seat_id in new.seat_ids:
                seat = seats[seat_id]
                seats[seat_id] = replace(
                    seat,
                    status="held",
                    hold_id=new.id,
                    holder_id=new.user_id,
                    expires_at_ms=epoch_ms(new.expires_at),
                    version=seat.version + 1,
                    cooling_for=new.user_id,
                    cooling_until_ms=cooldown_ends_ms(epoch_ms(new.expires_at), self._cooldown_seconds),
                )
            self._reservations[new.id] = new
            self._holders[(new.user_id, new.screening_id)] = (new.id, epoch_ms(new.expires_at))

    def release(
        self, reservation: Reservation, status: ReleaseReason, now: datetime, request_token: str | None = None
    ) -> tuple[str, ...]:
        with self._lock:
            return self._once(
                request_token, (reservation, status, now), lambda: self._release(reservation, status, now)
            )

    def _release(self, reservation: Reservation, status: ReleaseReason, now: datetime) -> tuple[str, ...]:
        stored = self._reservations.get(reservation.id)
        if stored is None or stored.status != "active":
            return ()
        if status == "expired" and stored.expires_at > now:  # hold_is_past_due
            return ()
        seats = self._seats[reservation.screening_id]
        freed = tuple(s for s in reservation.seat_ids if self._held_by(seats.get(s), reservation.id))
        for seat_id in freed:
            seats[seat_id] = self._freed(seats[seat_id])
            if status == "released":
                cooling_until = cooldown_ends_ms(epoch_ms(now), self._cooldown_seconds)
                seats[seat_id] = replace(seats[seat_id], cooling_until_ms=cooling_until)
        self._reservations[reservation.id] = stored.ended(status, now)
        key = (reservation.user_id, reservation.screening_id)
        if self._holders.get(key, ("",))[0] == reservation.id:
            del self._holders[key]
        return freed

    def extend(
        self, reservation: Reservation, new_expiry: datetime, now: datetime, request_token: str | None = None
    ) -> Reservation:
        with self._lock:
            extended = self._once(
                request_token, (reservation, new_expiry, now), lambda: self._extend(reservation, new_expiry, now)
            )
            return extended

    def sell(self, reservation: Reservation, now: datetime) -> None:
        with self._lock:
            stored = self._intact(reservation, epoch_ms(now))
            if stored is None or stored.status != "active":
                raise HoldExpired("hold_expired", "This hold has expired or changed; hold the seats again.")
            seats = self._seats[reservation.screening_id]
            for seat_id in reservation.seat_ids:
                seat = seats[seat_id]
                seats[seat_id] = replace(seat, status="sold", expires_at_ms=None, version=seat.version + 1)
            self._reservations[reservation.id] = stored.ended("paid", now)
            del self._holders[(reservation.user_id, reservation.screening_id)]

    def return_to_sale(self, screening_id: str, seat_id: str, reservation_id: str) -> None:
        with self._lock:
            seat = self._seats[screening_id].get(seat_id)
            if seat is None or seat.status != "sold" or seat.hold_id != reservation_id:
                raise Conflict("seat_not_sold", f"Seat {seat_id} is not sold by {reservation_id}.")
            self._seats[screening_id][seat_id] = self._freed(seat)

    def _extend(self, reservation: Reservation, new_expiry: datetime, now: datetime) -> Reservation:
        stored = self._intact(reservation, epoch_ms(now))
        if stored is None or not self._extendable(stored, now):
            raise HoldExpired("hold_expired", "This hold has expired or changed; hold the seats again.")
        seats = self._seats[reservation.screening_id]
        for seat_id in reservation.seat_ids:
            seat = seats[seat_id]
            seats[seat_id] = replace(
                seat,
                expires_at_ms=epoch_ms(new_expiry),
                version=seat.version + 1,
                cooling_until_ms=cooldown_ends_ms(epoch_ms(new_expiry), self._cooldown_seconds),
            )
        extended = replace(stored, expires_at=new_expiry, extended=True)
        self._reservations[reservation.id] = extended
        self._holders[(reservation.user_id, reservation.screening_id)] = (reservation.id, epoch_ms(new_expiry))
        return extended

    def _once(self, token: str | None, call: tuple[object, ...], write: Callable[[], T]) -> T:
        """DynamoDB's ClientRequestToken: the same call again is answered as the first (a refusal is not kept)."""
        if token is None:
            return write()
        if token in self._answered:
            first_call, answer = self._answered[token]
            if first_call != call:
                raise ValueError("IdempotentParameterMismatch: this token was used for another call")
            return answer
        answer = write()
        self._answered[token] = (call, answer)
        return answer

    def _intact(self, reservation: Reservation, now_ms: int) -> Reservation | None:
        """The stored reservation, while its seats are all `still_held_by` it and its holder is `holder_is` it."""
        stored = self._reservations.get(reservation.id)
        seats = self._seats[reservation.screening_id]
        holder = self._holders.get((reservation.user_id, reservation.screening_id))
        if stored is None or holder is None or holder[0] != reservation.id:
            return None
        if not all(self._still_held_by(seats.get(s), reservation.id, now_ms) for s in reservation.seat_ids):
            return None
        return stored

    def _current(self, holder: tuple[str, int] | None) -> Reservation | None:
        return self._reservations.get(holder[0]) if holder else None

    # --- the same named conditions as the DynamoDB adapter ---

    @staticmethod
    def _is_free(seat: SeatState | None, now_ms: int) -> bool:
        if seat is None:
            return False
        return seat.status == "available" or (seat.status == "held" and (seat.expires_at_ms or 0) <= now_ms)

    @staticmethod
    def _held_by(seat: SeatState | None, hold_id: str) -> bool:
        return seat is not None and seat.status == "held" and seat.hold_id == hold_id

    @classmethod
    def _still_held_by(cls, seat: SeatState | None, hold_id: str, now_ms: int) -> bool:
        return seat is not None and cls._held_by(seat, hold_id) and (seat.expires_at_ms or 0) > now_ms

    @staticmethod
    def _extendable(stored: Reservation, now: datetime) -> bool:
        return stored.status == "active" and not stored.extended and stored.expires_at > now

    @staticmethod
    def _freed(seat: SeatState) -> SeatState:
        return replace(
            seat, status="available", hold_id=None, holder_id=None, expires_at_ms=None, version=seat.version + 1
        )


class StaticLayouts:
    def __init__(self) -> None:
        self.screenings: dict[str, ScreeningForSale] = {}

    def add(self, screening_id: str, layout: Layout, starts_at: datetime) -> None:
        self.screenings[screening_id] = ScreeningForSale(screening_id, layout, starts_at)

    def screening_for_sale(self, screening_id: str) -> ScreeningForSale | None:
        return self.screenings.get(screening_id)


class RecordingScheduler:
    def __init__(self) -> None:
        self.scheduled: list[tuple[str, datetime]] = []

    def schedule(self, reservation: Reservation, now: datetime) -> None:
        self.nudge_all([(reservation.id, reservation.screening_id, reservation.expires_at)], now)

    def nudge_all(self, holds: Sequence[tuple[str, str, datetime]], now: datetime) -> None:
        self.scheduled.extend((hold_id, expires_at) for hold_id, _, expires_at in holds)


class RecordingPublisher:
    def __init__(self) -> None:
        self.events: list[BookingEvent] = []

    def publish(self, events: Sequence[BookingEvent]) -> None:
        self.events.extend(events)


if TYPE_CHECKING:  # `make typecheck` holds each fake to the port it stands for
    from chalicelib.services.booking_ports import EventPublisher, ExpiryScheduler, LayoutSource, SeatInventory

    _inventory: SeatInventory = InMemorySeatInventory()
    _layouts: LayoutSource = StaticLayouts()
    _scheduler: ExpiryScheduler = RecordingScheduler()
    _publisher: EventPublisher = RecordingPublisher()
