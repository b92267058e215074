"""Booking: hold seats, release them, extend a hold, expire holds, show a seat map, suggest alternatives.

One service, called from the REST routes and from queue consumers alike. Every decision about a seat
is made by the inventory's conditional write; this service validates, prices, and explains.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain import seating
from chalicelib.domain.clock import Clock, epoch_ms, from_epoch_ms, new_id
from chalicelib.domain.errors import Conflict, HoldChanged, InvalidRequest, NotFound, SeatsUnavailable
from chalicelib.domain.holds import SeatState, SeatStatus, count_available
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import Layout, Seat
from chalicelib.domain.paging import Page, check_limit
from chalicelib.domain.reservations import (
    BookingEvent,
    HoldPolicy,
    ReleaseReason,
    Reservation,
    SeatsHeld,
    SeatsReleased,
)
from chalicelib.domain.seat_changes import HoldExpiry
from chalicelib.services.booking_ports import (
    EventPublisher,
    ExpiryScheduler,
    LayoutSource,
    ScreeningForSale,
    SeatInventory,
)
from chalicelib.services.caching import BoundedCache

REPLACE_ATTEMPTS = 3
LAYOUT_CACHE_SIZE = 256
LAYOUT_CACHE_BYTES = 32 * 1024 * 1024
"""~55 of the largest layouts (2,000 seats), all 256 of 200-seat theaters: a small share of any Lambda's memory."""
RECENT_MAPS = 256
RECENT_MAPS_BYTES = 16 * 1024 * 1024
SEAT_VIEW_BYTES = 300  # measured ~245 bytes a seat of a map (its state and view; the seat is the layout's)
# Alternatives for a loser come from a seat map at most this old (plus the seats it just lost): in a rush on
# one screening that is one query a second per instance instead of one per loser. Advisory only: holding an
# alternative is a conditional write like any other.
ALTERNATIVES_MAP_MAX_AGE_SECONDS = 1.0
# Cheap rejection: a hold asking for a seat that a map at most this old shows sold, blocked or held by
# someone else (and not yet expired) is refused without a write. The price: a seat released within that
# second may be refused once. It never lets a seat be sold twice: only the conditional write says yes.
PRECHECK_MAP_MAX_AGE_SECONDS = 1.0
# One seat-map refresh at a time per stripe of screenings: a fixed set of locks however many screenings a warm
# instance serves (a lock per screening ever seen grew without bound). Two screenings that share a stripe at
# the same moment: the second uses its previous map once more.
REFRESH_LOCKS = 64


@dataclass(frozen=True)
class SeatView:
    """One seat on the map: where it is and what it costs (the layout), what is stored, what a client sees."""

    seat: Seat
    state: SeatState
    status: SeatStatus


@dataclass(frozen=True)
class SeatMap:
    screening_id: str
    seats: tuple[SeatView, ...]
    at_ms: int
    """The moment the statuses are for."""

    @property
    def estimated_bytes(self) -> int:
        """About what this map takes in memory beyond its layout's seats, for caches bounded in bytes."""
        return 1024 + SEAT_VIEW_BYTES * len(self.seats)

    @property
    def available_count(self) -> int:
        return count_available((view.state for view in self.seats), self.at_ms)

    @property
    def taken(self) -> set[str]:
        return {view.seat.id for view in self.seats if view.status != "available"}

    def state(self, seat_id: str) -> SeatState | None:
        for view in self.seats:
            if view.seat.id == seat_id:
                return view.state
        return None


@dataclass(eq=False)
class BookingService:
    """Booking use cases; the fields are the ports it needs (built by `bootstrap.Services`)."""

    inventory: SeatInventory
    layouts: LayoutSource
    scheduler: ExpiryScheduler
    publisher: EventPublisher
    clock: Clock
    policy: HoldPolicy
    currency: str = "USD"
    # A screening's layout and prices never change once it is on sale: cache them per cold start.
    _layout_cache: BoundedCache[str, ScreeningForSale] = field(
        default_factory=lambda: BoundedCache(LAYOUT_CACHE_SIZE, LAYOUT_CACHE_BYTES, _screening_bytes),
        init=False,
        repr=False,
    )
    _recent_maps: BoundedCache[str, tuple[datetime, SeatMap]] = field(
        default_factory=lambda: BoundedCache(RECENT_MAPS, RECENT_MAPS_BYTES, _remembered_map_bytes),
        init=False,
        repr=False,
    )
    _refreshing: tuple[threading.Lock, ...] = field(
        default_factory=lambda: tuple(threading.Lock() for _ in range(REFRESH_LOCKS)), init=False, repr=False
    )

    # --- reads ---

    def screening(self, screening_id: str) -> ScreeningForSale:
        cached = self._layout_cache.get(screening_id)
        if cached is None:
            cached = self.layouts.screening_for_sale(screening_id)
            if cached is None:
                raise NotFound("screening_not_found", f"No screening with id {screening_id}.")
            self._layout_cache.put(screening_id, cached)
        return cached

    def layout(self, screening_id: str) -> Layout:
        return self.screening(screening_id).layout

    def seat_map(self, screening_id: str) -> SeatMap:
        """Every seat with the status a client should see (an expired hold shows as available): one query.

        Row, number, category and price come from the layout; a seat with nothing stored shows as blocked.
        """
        layout = self.layout(screening_id)
        at_ms = epoch_ms(self.clock.now())
        stored = {state.seat_id: state for state in self.inventory.seat_states(screening_id)}
        views = []
        for seat in layout.seats:
            state = stored.get(seat.id) or SeatState(seat.id, "blocked")
            views.append(SeatView(seat, state, state.status_at(at_ms)))
        return SeatMap(screening_id, tuple(views), at_ms)

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
        if not 1 <= count <= self.policy.max_seats:
            raise InvalidRequest(
                "validation_error",
                f"count must be between 1 and {self.policy.max_seats}.",
                {"fields": [{"field": "count"}]},
            )
        taken = self.seat_map(screening_id).taken
        return seating.suggest(layout, taken, count, near=near, category=category, accessible=accessible, limit=limit)

    def get(self, principal: Principal, reservation_id: str) -> Reservation:
        reservation = self.inventory.get(reservation_id)
        if reservation is None or not principal.may_act_for(reservation.user_id):
            # Someone else's reservation is as good as absent: never confirm it exists.
            raise NotFound("reservation_not_found", f"No reservation with id {reservation_id}.")
        return reservation

    def for_user(self, principal: Principal, user_id: str, limit: int, cursor: str | None) -> Page[Reservation]:
        principal.require_self_or_admin(user_id)
        return self.inventory.for_user(user_id, check_limit(limit), cursor)

    # --- writes ---

    def validate_hold(self, screening_id: str, seat_ids: Sequence[str]) -> tuple[str, ...]:
        """The seats of a hold request, once every rule that needs no seat state has passed (400, 404, 409)."""
        wanted = self.policy.validate_seats(list(seat_ids))
        screening = self.screening(screening_id)
        if screening.starts_at <= self.clock.now():
            raise Conflict("screening_started", "This screening has already started; choose a later one.")
        unknown = [seat for seat in wanted if seat not in screening.layout]
        if unknown:
            raise InvalidRequest(
                "unknown_seat", f"This screening has no seat {', '.join(unknown)}.", {"unknown_seat_ids": unknown}
            )
        return wanted

    def hold_seats(
        self, principal: Principal, screening_id: str, seat_ids: Sequence[str], *, hold_id: str | None = None
    ) -> Reservation:
        """All the seats or none. A hold for a screening where the user already holds seats replaces it."""
        wanted = self.validate_hold(screening_id, seat_ids)
        layout = self.layout(screening_id)
        visibly_taken = self._visibly_taken(screening_id, wanted, principal.user_id)
        if visibly_taken:
            raise SeatsUnavailable(visibly_taken, self._alternatives(screening_id, wanted, visibly_taken))
        replacing: Reservation | None = None
        for _ in range(REPLACE_ATTEMPTS):
            now = self.clock.now()
            started_at = replacing.started_at if replacing and replacing.is_active_at(now) else now
            new = Reservation(
                id=hold_id or new_id("rsv_"),
                screening_id=screening_id,
                user_id=principal.user_id,
                seat_ids=wanted,
                prices={seat: layout.seat(seat).price_cents for seat in wanted},
                currency=self.currency,
                status="active",
                created_at=now,
                expires_at=self.policy.expiry_of_new_hold(now, started_at),
                started_at=started_at,
            )
            try:
                self.inventory.hold(new, replacing, now)
            except SeatsUnavailable as lost:
                alternatives = self._alternatives(screening_id, wanted, lost.seat_ids)
                raise SeatsUnavailable(lost.seat_ids, alternatives) from lost
            except HoldChanged as changed:
                replacing = changed.current or self._current_hold(principal.user_id, screening_id)
                continue
            self._after_hold(new, replacing)
            return new
        raise HoldChanged()

    def hold_for_request(
        self, principal: Principal, screening_id: str, seat_ids: Sequence[str], hold_id: str, *, may_exist: bool = True
    ) -> Reservation:
        """`hold_seats` with the hold's id given (the surge line's, derived from the request): a second call
        finds the hold the first made instead of holding again. A caller that knows no earlier call was made
        for this request (``may_exist=False``) saves the read."""
        existing = self.inventory.get(hold_id) if may_exist else None
        if existing is not None and existing.user_id == principal.user_id:
            return existing
        return self.hold_seats(principal, screening_id, seat_ids, hold_id=hold_id)

    def alternatives_for(self, screening_id: str, wanted: Sequence[str], taken: set[str]) -> list[seating.Suggestion]:
        """Blocks of as many seats near the wanted ones, given what is taken (no read: the caller has the map)."""
        return seating.suggest(self.layout(screening_id), taken, len(wanted), near=tuple(wanted), limit=3)

    def release(self, principal: Principal, reservation_id: str) -> tuple[str, ...]:
        reservation = self.get(principal, reservation_id)
        if reservation.status == "paid":
            raise Conflict("reservation_paid", "This reservation is paid for: refund its tickets instead.")
        return self._end(reservation, "released")

    def release_for_screening(self, principal: Principal, user_id: str, screening_id: str) -> tuple[str, ...]:
        principal.require_self_or_admin(user_id)
        hold_id = self.inventory.current_hold_id(user_id, screening_id)
        reservation = self.inventory.get(hold_id) if hold_id else None
        return self._end(reservation, "released") if reservation else ()

    def extend(self, principal: Principal, reservation_id: str) -> Reservation:
        reservation = self.get(principal, reservation_id)
        now = self.clock.now()
        new_expiry = self.policy.extended_expiry(reservation, now)
        return self.inventory.extend(reservation, new_expiry, now)  # the seat stream nudges the new expiry

    def expire(self, reservation_id: str) -> Reservation | None:
        """Release a hold whose time is up. Idempotent. Returns the hold when it is still running (extended)."""
        reservation = self.inventory.get(reservation_id)
        if reservation is None or reservation.status != "active":
            return None
        if reservation.is_active_at(self.clock.now()):
            return reservation
        self._end(reservation, "expired")
        return None

    def reschedule_expiry(self, reservation: Reservation) -> None:
        self.scheduler.schedule(reservation, self.clock.now())

    def nudge_expiries(self, expiries: Sequence[HoldExpiry]) -> None:
        """Ask to be told when each of these holds expires: called by the seat stream for every new expiry
        (a hold, a replacement, an extension, whoever wrote it), so the hold path writes nothing more."""
        now = self.clock.now()
        self.scheduler.nudge_all(
            [(expiry.hold_id, expiry.screening_id, from_epoch_ms(expiry.expires_at_ms)) for expiry in expiries], now
        )

    def sweep(self, limit: int = 100) -> int:
        """Expire every hold that is past due: the safety net under the per-hold expiry messages."""
        due = self.inventory.due_for_expiry(self.clock.now(), limit)
        for reservation_id in due:
            self.expire(reservation_id)
        return len(due)

    # --- helpers ---

    def _current_hold(self, user_id: str, screening_id: str) -> Reservation | None:
        hold_id = self.inventory.current_hold_id(user_id, screening_id)
        current = self.inventory.get(hold_id) if hold_id else None
        return current if current and current.status == "active" else None

    def _end(self, reservation: Reservation, status: ReleaseReason) -> tuple[str, ...]:
        if reservation.status != "active":
            return ()
        released = self.inventory.release(reservation, status, self.clock.now())
        if released:
            self.publisher.publish(
                [SeatsReleased(reservation.screening_id, reservation.id, reservation.user_id, released, status)]
            )
        return released

    def _after_hold(self, new: Reservation, replaced: Reservation | None) -> None:
        events: list[BookingEvent] = []
        if replaced:
            freed = tuple(seat for seat in replaced.seat_ids if seat not in new.seat_ids)
            if freed:
                events.append(SeatsReleased(new.screening_id, replaced.id, new.user_id, freed, "replaced"))
        events.append(SeatsHeld(new.screening_id, new.id, new.user_id, new.seat_ids, new.expires_at))
        self.publisher.publish(events)
        # No expiry nudge here: the hold's one transaction is all it writes; the seat stream sends the nudge.

    def _alternatives(
        self, screening_id: str, wanted: tuple[str, ...], lost: tuple[str, ...]
    ) -> list[seating.Suggestion]:
        """`alternatives_for`, from a recent seat map plus the seats just lost."""
        return self.alternatives_for(screening_id, wanted, self._recent_seat_map(screening_id).taken | set(lost))

    def _visibly_taken(self, screening_id: str, wanted: tuple[str, ...], user_id: str) -> tuple[str, ...]:
        """The wanted seats that a seat map under a second old shows as someone else's right now; () without one."""
        seat_map, fresh = self._remembered_map(screening_id, PRECHECK_MAP_MAX_AGE_SECONDS)
        if seat_map is None or not fresh:
            return ()
        now_ms = epoch_ms(self.clock.now())
        taken = []
        for seat_id in wanted:
            state = seat_map.state(seat_id) or SeatState(seat_id, "blocked")
            status = state.status_at(now_ms)
            if status in ("sold", "blocked") or (status == "held" and state.holder_id != user_id):
                taken.append(seat_id)
        return tuple(taken)

    def _recent_seat_map(self, screening_id: str) -> SeatMap:
        """A seat map at most ALTERNATIVES_MAP_MAX_AGE_SECONDS old; one refresh at a time per screening.

        While one thread refreshes, others use the previous map (a few seconds old at worst): in a rush
        every loser would otherwise read the whole map at once.
        """
        seat_map, fresh = self._remembered_map(screening_id, ALTERNATIVES_MAP_MAX_AGE_SECONDS)
        if seat_map is not None and fresh:
            return seat_map
        refreshing = self._refreshing[hash(screening_id) % REFRESH_LOCKS]
        if seat_map is not None and not refreshing.acquire(blocking=False):
            return seat_map
        if seat_map is None:
            refreshing.acquire()
        try:
            seat_map = self.seat_map(screening_id)
            self._recent_maps.put(screening_id, (self.clock.now(), seat_map))
            return seat_map
        finally:
            refreshing.release()

    def _remembered_map(self, screening_id: str, max_age_seconds: float) -> tuple[SeatMap | None, bool]:
        """The last seat map read for a screening in this instance, and whether it is at most that old."""
        remembered = self._recent_maps.get(screening_id)
        if remembered is None:
            return None, False
        fetched_at, seat_map = remembered
        return seat_map, (self.clock.now() - fetched_at).total_seconds() <= max_age_seconds


def _screening_bytes(screening: ScreeningForSale) -> int:
    return screening.layout.estimated_bytes


def _remembered_map_bytes(remembered: tuple[datetime, SeatMap]) -> int:
    return remembered[1].estimated_bytes
