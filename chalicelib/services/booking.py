"""Booking: hold seats, release them, extend a hold, expire holds, show a seat map, suggest alternatives.

One service, called from the REST routes and from queue consumers alike. Every decision about a seat
is made by the inventory's conditional write; this service validates, prices, and explains.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import seating
from chalicelib.domain.clock import Clock, epoch_ms, new_id
from chalicelib.domain.errors import Conflict, InvalidRequest, NotFound, SeatsUnavailable
from chalicelib.domain.holds import effective_status
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import Layout
from chalicelib.domain.reservations import (
    HoldPolicy,
    ReleaseReason,
    Reservation,
    SeatsHeld,
    SeatsReleased,
    SeatState,
)
from chalicelib.services.booking_ports import (
    ActiveHoldExists,
    EventPublisher,
    ExpiryScheduler,
    LayoutSource,
    ScreeningForSale,
    SeatInventory,
    SeatsTaken,
)

REPLACE_ATTEMPTS = 3
LAYOUT_CACHE_SIZE = 256
# Alternatives for a loser come from a seat map at most this old (plus the seats it just lost): in a rush on
# one screening that is one query a second per instance instead of one per loser. Advisory only: holding an
# alternative is a conditional write like any other.
ALTERNATIVES_MAP_MAX_AGE_SECONDS = 1.0
# Cheap rejection: a hold asking for a seat that a map at most this old shows sold, blocked or held by
# someone else (and not yet expired) is refused without a write. The price: a seat released within that
# second may be refused once. It never lets a seat be sold twice: only the conditional write says yes.
PRECHECK_MAP_MAX_AGE_SECONDS = 1.0


@dataclass(frozen=True)
class SeatView:
    seat: SeatState
    status: str


@dataclass(frozen=True)
class SeatMap:
    screening_id: str
    seats: tuple[SeatView, ...]

    @property
    def available_count(self) -> int:
        return sum(1 for view in self.seats if view.status == "available")

    @property
    def taken(self) -> set[str]:
        return {view.seat.seat_id for view in self.seats if view.status != "available"}

    def seat(self, seat_id: str) -> SeatState | None:
        for view in self.seats:
            if view.seat.seat_id == seat_id:
                return view.seat
        return None


class BookingService:
    def __init__(
        self,
        inventory: SeatInventory,
        layouts: LayoutSource,
        scheduler: ExpiryScheduler,
        publisher: EventPublisher,
        clock: Clock,
        policy: HoldPolicy,
        currency: str = "USD",
    ):
        self._inventory = inventory
        self._layouts = layouts
        self._scheduler = scheduler
        self._publisher = publisher
        self._clock = clock
        self._policy = policy
        self._currency = currency
        # A screening's layout and prices never change once it is on sale: cache them per cold start.
        self._layout_cache: OrderedDict[str, ScreeningForSale] = OrderedDict()
        self._recent_maps: dict[str, tuple[datetime, SeatMap]] = {}
        self._refreshing: dict[str, threading.Lock] = {}

    # --- reads ---

    def screening(self, screening_id: str) -> ScreeningForSale:
        cached = self._layout_cache.get(screening_id)
        if cached is None:
            cached = self._layouts.screening_for_sale(screening_id)
            if cached is None:
                raise NotFound("screening_not_found", f"No screening with id {screening_id}.")
            self._layout_cache[screening_id] = cached
            if len(self._layout_cache) > LAYOUT_CACHE_SIZE:
                self._layout_cache.popitem(last=False)
        return cached

    def layout(self, screening_id: str) -> Layout:
        return self.screening(screening_id).layout

    def seat_map(self, screening_id: str) -> SeatMap:
        """Every seat with the status a client should see (an expired hold shows as available): one query.

        Row, number, category and price come from the layout the screening was created with.
        """
        layout = self.layout(screening_id)
        now_ms = epoch_ms(self._clock.now())
        stored = {row.seat_id: row for row in self._inventory.statuses(screening_id)}
        views = []
        for seat in layout.seats:
            row = stored.get(seat.id)
            state = SeatState(
                seat.id,
                seat.row,
                seat.number,
                seat.row_index,
                seat.position,
                seat.category,
                seat.price_cents,
                row.status if row else "blocked",
                holder_id=row.holder_id if row else None,
                expires_at_ms=row.expires_at_ms if row else None,
                version=row.version if row else 0,
            )
            views.append(SeatView(state, effective_status(state.status, state.expires_at_ms, now_ms)))
        return SeatMap(screening_id, tuple(views))

    def suggest(
        self,
        screening_id: str,
        count: int,
        *,
        near: Sequence[str] = (),
        category: str | None = None,
        accessible: bool = False,
        limit: int = 5,
    ) -> list[seating.Suggestion]:
        layout = self.layout(screening_id)
        if category is not None and category not in layout.categories:
            raise InvalidRequest(
                "unknown_category",
                f"This screening has no {category} seats; it has {', '.join(layout.categories)}.",
                {"categories": list(layout.categories)},
            )
        if not 1 <= count <= self._policy.max_seats:
            raise InvalidRequest(
                "validation_error",
                f"count must be between 1 and {self._policy.max_seats}.",
                {"fields": [{"field": "count"}]},
            )
        taken = self.seat_map(screening_id).taken
        return seating.suggest(layout, taken, count, near=near, category=category, accessible=accessible, limit=limit)

    def get(self, principal: Principal, reservation_id: str) -> Reservation:
        reservation = self._inventory.get(reservation_id)
        if reservation is None or not principal.may_act_for(reservation.user_id):
            # Someone else's reservation is as good as absent: never confirm it exists.
            raise NotFound("reservation_not_found", f"No reservation with id {reservation_id}.")
        return reservation

    def for_user(self, principal: Principal, user_id: str) -> list[Reservation]:
        principal.require_self_or_admin(user_id)
        return self._inventory.for_user(user_id)

    # --- writes ---

    def hold_seats(self, principal: Principal, screening_id: str, seat_ids: Sequence[str]) -> Reservation:
        """All the seats or none. A hold for a screening where the user already holds seats replaces it."""
        wanted = self._policy.validate_seats(list(seat_ids))
        screening = self.screening(screening_id)
        layout = screening.layout
        if screening.starts_at <= self._clock.now():
            raise Conflict("screening_started", "This screening has already started; choose a later one.")
        unknown = [seat for seat in wanted if seat not in layout]
        if unknown:
            raise InvalidRequest(
                "unknown_seat", f"This screening has no seat {', '.join(unknown)}.", {"unknown_seat_ids": unknown}
            )
        visibly_taken = self._visibly_taken(screening_id, wanted, principal.user_id)
        if visibly_taken:
            raise SeatsUnavailable(visibly_taken, self._alternatives(layout, screening_id, wanted, visibly_taken))
        replacing: Reservation | None = None
        for _ in range(REPLACE_ATTEMPTS):
            now = self._clock.now()
            started_at = replacing.started_at if replacing and replacing.is_active_at(now) else now
            new = Reservation(
                id=new_id("rsv_"),
                screening_id=screening_id,
                user_id=principal.user_id,
                seat_ids=wanted,
                prices={seat: layout.seat(seat).price_cents for seat in wanted},
                currency=self._currency,
                status="active",
                created_at=now,
                expires_at=self._policy.expiry_of_new_hold(now, started_at),
                started_at=started_at,
            )
            try:
                self._inventory.hold(new, replacing, now)
            except SeatsTaken as taken:
                raise SeatsUnavailable(
                    taken.seat_ids, self._alternatives(layout, screening_id, wanted, taken.seat_ids)
                ) from taken
            except ActiveHoldExists as busy:
                replacing = busy.current or self._current_hold(principal.user_id, screening_id, busy.hold_id)
                continue
            self._after_hold(new, replacing)
            return new
        raise Conflict("hold_contention", "Your previous hold changed while it was being replaced; try again.")

    def release(self, principal: Principal, reservation_id: str) -> tuple[str, ...]:
        reservation = self.get(principal, reservation_id)
        return self._end(reservation, "released")

    def release_for_screening(self, principal: Principal, user_id: str, screening_id: str) -> tuple[str, ...]:
        principal.require_self_or_admin(user_id)
        hold_id = self._inventory.current_hold_id(user_id, screening_id)
        reservation = self._inventory.get(hold_id) if hold_id else None
        return self._end(reservation, "released") if reservation else ()

    def extend(self, principal: Principal, reservation_id: str) -> Reservation:
        reservation = self.get(principal, reservation_id)
        now = self._clock.now()
        new_expiry = self._policy.extended_expiry(reservation, now)
        extended = self._inventory.extend(reservation, new_expiry, now)
        self._scheduler.schedule(extended, now)
        return extended

    def expire(self, reservation_id: str) -> Reservation | None:
        """Release a hold whose time is up. Idempotent. Returns the hold when it is still running (extended)."""
        reservation = self._inventory.get(reservation_id)
        if reservation is None or reservation.status != "active":
            return None
        if reservation.is_active_at(self._clock.now()):
            return reservation
        self._end(reservation, "expired")
        return None

    def reschedule_expiry(self, reservation: Reservation) -> None:
        self._scheduler.schedule(reservation, self._clock.now())

    def sweep(self, limit: int = 100) -> int:
        """Expire every hold that is past due: the safety net under the per-hold expiry messages."""
        due = self._inventory.due_for_expiry(self._clock.now(), limit)
        for reservation_id in due:
            self.expire(reservation_id)
        return len(due)

    # --- helpers ---

    def _current_hold(self, user_id: str, screening_id: str, hold_id: str | None) -> Reservation | None:
        hold_id = hold_id or self._inventory.current_hold_id(user_id, screening_id)
        current = self._inventory.get(hold_id) if hold_id else None
        return current if current and current.status == "active" else None

    def _end(self, reservation: Reservation, status: ReleaseReason) -> tuple[str, ...]:
        if reservation.status == "paid":
            raise Conflict("reservation_paid", "This reservation is paid: refund its tickets instead.")
        if reservation.status != "active":
            return ()
        released = self._inventory.release(reservation, status, self._clock.now())
        if released:
            self._publisher.publish(
                [SeatsReleased(reservation.screening_id, reservation.id, reservation.user_id, released, status)]
            )
        return released

    def _after_hold(self, new: Reservation, replaced: Reservation | None) -> None:
        events: list = []
        if replaced:
            freed = tuple(seat for seat in replaced.seat_ids if seat not in new.seat_ids)
            if freed:
                events.append(SeatsReleased(new.screening_id, replaced.id, new.user_id, freed, "replaced"))
        events.append(SeatsHeld(new.screening_id, new.id, new.user_id, new.seat_ids, new.expires_at))
        self._publisher.publish(events)
        self._scheduler.schedule(new, new.created_at)

    def _alternatives(self, layout: Layout, screening_id: str, wanted: tuple[str, ...], lost: tuple[str, ...]) -> list:
        """Blocks of the same size near the seats first asked for, from a recent seat map plus the seats just lost."""
        taken = self._recent_seat_map(screening_id).taken | set(lost)
        return seating.suggest(layout, taken, len(wanted), near=wanted, limit=3)

    def _visibly_taken(self, screening_id: str, wanted: tuple[str, ...], user_id: str) -> tuple[str, ...]:
        """The wanted seats that a seat map under a second old shows as someone else's right now; () without one."""
        now = self._clock.now()
        fetched_at, seat_map = self._recent_maps.get(screening_id, (None, None))
        if seat_map is None or (now - fetched_at).total_seconds() > PRECHECK_MAP_MAX_AGE_SECONDS:
            return ()
        now_ms = epoch_ms(now)
        taken = []
        for seat_id in wanted:
            seat = seat_map.seat(seat_id)
            status = effective_status(seat.status, seat.expires_at_ms, now_ms) if seat else "blocked"
            if status in ("sold", "blocked") or (status == "held" and seat.holder_id != user_id):
                taken.append(seat_id)
        return tuple(taken)

    def _recent_seat_map(self, screening_id: str) -> SeatMap:
        """A seat map at most ALTERNATIVES_MAP_MAX_AGE_SECONDS old; one refresh at a time per screening.

        While one thread refreshes, others use the previous map (a few seconds old at worst): in a rush
        every loser would otherwise read the whole map at once.
        """
        now = self._clock.now()
        fetched_at, seat_map = self._recent_maps.get(screening_id, (None, None))
        if seat_map is not None and (now - fetched_at).total_seconds() <= ALTERNATIVES_MAP_MAX_AGE_SECONDS:
            return seat_map
        refreshing = self._refreshing.setdefault(screening_id, threading.Lock())
        if not refreshing.acquire(blocking=seat_map is None):
            return seat_map
        try:
            seat_map = self.seat_map(screening_id)
            self._recent_maps[screening_id] = (self._clock.now(), seat_map)
            return seat_map
        finally:
            refreshing.release()
