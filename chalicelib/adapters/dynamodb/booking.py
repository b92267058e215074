"""The seat inventory on DynamoDB: every hold decision is one `TransactWriteItems` whose conditions decide.

Items of one hold of k seats (see docs/reservations.md for costs):
- k `SeatItem` updates, each conditioned on `seat_is_free` (or `held_by(old)` for seats a replacement keeps);
- the new `ReservationItem`, conditioned on `reservation_is_new`;
- the user's `HolderItem`, conditioned on `no_active_hold` (or `holder_is(old)` when replacing);
- when replacing: the old reservation (`reservation_is_active`) and the old-only seats (`held_by(old)`).

A new hold (not a running chain's replacement) also requires ``not_cooling_down_for(user)`` of every seat:
the seats of the user's hold that lapsed or was released stay theirs to wait for (domain/holds.py).

An extension writes the hold's seats (`still_held_by`), its reservation (`reservation_is_extendable`) and
its holder (`holder_is`). Seat and holder conditions of a hold return the current item on failure
(ALL_OLD), so a loser learns exactly which seats it lost without a second read. A release on expiry
requires the hold to be past due (`hold_is_past_due`): a release delayed past an extension ends nothing.

Release and extension send a ClientRequestToken (one per call and attempt): the SDK's retry of a write
whose answer was lost is answered as the first was, instead of failing its conditions on its own effect.

A seat item stores only what changes (status, hold, expiry, version): where the seat is and what it
costs are the layout's. Refusals are raised as the domain errors `SeatInventory` names.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import cast

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.adapters.dynamodb.base import Cancellation, Transaction, back_off, busy
from chalicelib.adapters.dynamodb.models.booking import HolderItem, ReservationItem, SeatItem
from chalicelib.adapters.dynamodb.paging import newest_of_user
from chalicelib.domain.clock import epoch_ms, from_epoch_ms
from chalicelib.domain.errors import Conflict, HoldChanged, HoldExpired, SeatsUnavailable
from chalicelib.domain.holds import SeatState, SeatStatus, cooldown_ends_ms, cooldown_refusal
from chalicelib.domain.layout import Seat
from chalicelib.domain.paging import Page
from chalicelib.domain.reservations import ReleaseReason, Reservation, ReservationStatus
from chalicelib.settings import Settings

EXPIRY_SHARDS = 10
PURGE_AFTER_MS = 30 * 24 * 3600 * 1000  # ended reservations are garbage-collected by TTL a month later
CONFLICT_RETRIES = 3
STATE_ATTRIBUTES = (
    "seat_id",
    "status",
    "hold_id",
    "holder_id",
    "expires_at_ms",
    "version",
    "cooling_for",
    "cooling_until_ms",
)
DEFAULT_COOLDOWN_SECONDS = Settings.hold_cooldown_seconds

# --- named conditions: each says what it guarantees --------------------------------------------------


def seat_is_free(now_ms: int) -> Condition:
    """Available, or held by a hold that has expired. Sold and blocked seats never match."""
    return (SeatItem.status == "available") | ((SeatItem.status == "held") & (SeatItem.expires_at_ms <= now_ms))


def held_by(hold_id: str) -> Condition:
    """Held by this hold (expired or not): what it may keep in a replacement or free in a release."""
    return (SeatItem.status == "held") & (SeatItem.hold_id == hold_id)


def still_held_by(hold_id: str, now_ms: int) -> Condition:
    """Held by this hold, which has not expired: a seat whose hold lapsed may be someone else's at any moment."""
    return held_by(hold_id) & (SeatItem.expires_at_ms > now_ms)


def sold_by(reservation_id: str) -> Condition:
    """Sold, by this reservation: what a refund may put back on sale."""
    return (SeatItem.status == "sold") & (SeatItem.hold_id == reservation_id)


def not_cooling_down_for(user_id: str, now_ms: int) -> Condition:
    """Not in this user's hold cooldown: their latest hold of the seat ended long enough ago (or never was)."""
    return (
        SeatItem.cooling_for.does_not_exist()
        | (SeatItem.cooling_for != user_id)
        | (SeatItem.cooling_until_ms <= now_ms)
    )


def reservation_is_new() -> Condition:
    return ReservationItem.id.does_not_exist()


def reservation_is_active() -> Condition:
    return ReservationItem.status == "active"


def reservation_is_extendable(now_ms: int) -> Condition:
    """Active, never extended, and not yet expired: a hold is extended once, and only while it runs."""
    not_extended = ReservationItem.extended == False  # noqa: E712 (a DynamoDB comparison, not a Python one)
    return reservation_is_active() & not_extended & (ReservationItem.expires_at_ms > now_ms)


def hold_is_past_due(now_ms: int) -> Condition:
    """The hold's expiry has passed: what an expiry-driven release needs, so a late one never ends an extended hold."""
    return ReservationItem.expires_at_ms <= now_ms


def no_active_hold(now_ms: int) -> Condition:
    """The user holds nothing for this screening, or only a hold that has expired."""
    return HolderItem.hold_id.does_not_exist() | (HolderItem.expires_at_ms <= now_ms)


def holder_is(hold_id: str) -> Condition:
    """The user's current hold for the screening is this one."""
    return HolderItem.hold_id == hold_id


# --- mapping ------------------------------------------------------------------------------------------


def _seat_state(raw: dict[str, dict[str, str]]) -> SeatState:
    """A seat item as it comes off the wire: a 300-seat map parses in a few ms, not the tens PynamoDB takes."""

    def number(name: str) -> int | None:
        value = raw.get(name, {}).get("N")
        return int(value) if value is not None else None

    return SeatState(
        raw["seat_id"]["S"],
        cast(SeatStatus, raw["status"]["S"]),
        hold_id=raw.get("hold_id", {}).get("S"),
        holder_id=raw.get("holder_id", {}).get("S"),
        expires_at_ms=number("expires_at_ms"),
        version=number("version") or 0,
        cooling_for=raw.get("cooling_for", {}).get("S"),
        cooling_until_ms=number("cooling_until_ms"),
    )


def _seat_item(screening_id: str, state: SeatState) -> SeatItem:
    return SeatItem(screening_id, state.seat_id, status=state.status, version=state.version)


def _reservation(item: ReservationItem) -> Reservation:
    return Reservation(
        id=item.id,
        screening_id=item.screening_id,
        user_id=item.user_id,
        seat_ids=tuple(item.seat_ids),
        prices={seat: int(cents) for seat, cents in item.prices.as_dict().items()},
        currency=item.currency,
        status=item.status,  # type: ignore[arg-type]
        created_at=from_epoch_ms(int(item.created_at_ms)),
        expires_at=from_epoch_ms(int(item.expires_at_ms)),
        started_at=from_epoch_ms(int(item.started_at_ms or item.created_at_ms)),
        extended=bool(item.extended),
        ended_at=from_epoch_ms(int(item.ended_at_ms)) if item.ended_at_ms else None,
    )


def _hold_from_holder(user_id: str, screening_id: str, raw: dict | None) -> Reservation | None:
    """The user's current hold as its holder item tells it (ALL_OLD of a refused hold): enough to replace it."""
    if not raw or "seat_ids" not in raw or "started_at_ms" not in raw:
        return None
    item = HolderItem.from_raw_data(raw)
    return Reservation(
        id=item.hold_id,
        screening_id=screening_id,
        user_id=user_id,
        seat_ids=tuple(item.seat_ids),
        prices={},
        currency="USD",
        status="active",
        created_at=from_epoch_ms(int(item.created_at_ms or item.started_at_ms)),
        expires_at=from_epoch_ms(int(item.expires_at_ms)),
        started_at=from_epoch_ms(int(item.started_at_ms)),
    )


def _shard(reservation_id: str) -> str:
    return str(zlib.crc32(reservation_id.encode()) % EXPIRY_SHARDS)


def _seat_ids(labels: list[str]) -> list[str]:
    """``seat:A1`` -> ``A1``."""
    return [label.split(":", 1)[1] for label in labels]


def _request_token() -> str:
    """A ClientRequestToken prefix: 32 characters, so ``-<attempt>`` keeps it within DynamoDB's 36."""
    return secrets.token_hex(16)


class DynamoSeatInventory:
    def __init__(self, cooldown_seconds: int = DEFAULT_COOLDOWN_SECONDS):
        self._cooldown_seconds = cooldown_seconds

    # --- a screening's seats ---

    def add_screening(self, screening_id: str, seats: Sequence[Seat]) -> None:
        """One BatchWrite (25 items a request, 1 WCU each): no condition, the screening does not exist yet."""
        with SeatItem.batch_write() as batch:
            for seat in seats:
                batch.save(_seat_item(screening_id, SeatState.opening(seat)))

    def remove_screening(self, screening_id: str, seat_ids: Sequence[str]) -> None:
        with SeatItem.batch_write() as batch:
            for seat_id in seat_ids:
                batch.delete(SeatItem(screening_id, seat_id))

    # --- reads ---

    def seat_states(self, screening_id: str) -> list[SeatState]:
        """One strongly consistent Query of the screening's partition, read straight from the wire (`_seat_state`).

        Strongly consistent: a WebSocket snapshot must contain every change counted in the seq it carries.
        """
        table = SeatItem._get_connection()
        states: list[SeatState] = []
        start = None
        while True:
            page = table.query(
                screening_id, attributes_to_get=list(STATE_ATTRIBUTES), exclusive_start_key=start, consistent_read=True
            )
            states.extend(_seat_state(raw) for raw in page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                return states

    def get(self, reservation_id: str) -> Reservation | None:
        try:
            return _reservation(ReservationItem.get(reservation_id, consistent_read=True))
        except ReservationItem.DoesNotExist:
            return None

    def current_hold_id(self, user_id: str, screening_id: str) -> str | None:
        try:
            return HolderItem.get(user_id, screening_id, consistent_read=True).hold_id
        except HolderItem.DoesNotExist:
            return None

    def for_user(self, user_id: str, limit: int, cursor: str | None) -> Page[Reservation]:
        items, next_cursor = newest_of_user(ReservationItem.by_user, "created_at_ms", user_id, limit, cursor)
        return Page([_reservation(item) for item in items], next_cursor)

    def due_for_expiry(self, now: datetime, limit: int = 100) -> list[str]:
        now_ms = epoch_ms(now)
        due: list[str] = []
        for shard in range(EXPIRY_SHARDS):
            query = ReservationItem.active_by_expiry.query(
                str(shard), ReservationItem.expires_at_ms <= now_ms, limit=limit - len(due)
            )
            due.extend(item.id for item in query)
            if len(due) >= limit:
                break
        return due

    # --- writes ---

    def hold(self, new: Reservation, replacing: Reservation | None, now: datetime) -> None:
        now_ms, expires_ms = epoch_ms(now), epoch_ms(new.expires_at)
        kept = set(new.seat_ids) & set(replacing.seat_ids) if replacing else set()
        dropped = [seat for seat in replacing.seat_ids if seat not in kept] if replacing else []
        # A running chain may keep and drop seats freely (the cap bounds it); anything else starts a new chain.
        continuing = replacing is not None and replacing.started_at == new.started_at
        cooling = not_cooling_down_for(new.user_id, now_ms)
        token = _request_token()  # per call, not per reservation id: a reused id must meet `reservation_is_new`
        for attempt in range(CONFLICT_RETRIES):
            tx = Transaction(SeatItem, token=f"{token}-{attempt}")
            for seat in new.seat_ids:
                if replacing and seat in kept:
                    condition = held_by(replacing.id) if continuing else held_by(replacing.id) & cooling
                else:
                    condition = seat_is_free(now_ms) & cooling
                tx.update(
                    f"seat:{seat}",
                    SeatItem(new.screening_id, seat),
                    [
                        SeatItem.status.set("held"),
                        SeatItem.hold_id.set(new.id),
                        SeatItem.holder_id.set(new.user_id),
                        SeatItem.expires_at_ms.set(expires_ms),
                        SeatItem.version.add(1),
                        SeatItem.cooling_for.set(new.user_id),
                        SeatItem.cooling_until_ms.set(cooldown_ends_ms(expires_ms, self._cooldown_seconds)),
                    ],
                    condition,
                    all_old=True,
                )
            if replacing:
                # A seat dropped from a running chain may be picked again; one of a lapsed hold keeps its cooldown.
                freed = _free_seat() + (
                    [SeatItem.cooling_for.remove(), SeatItem.cooling_until_ms.remove()] if continuing else []
                )
                for seat in dropped:
                    tx.update(f"drop:{seat}", SeatItem(new.screening_id, seat), freed, held_by(replacing.id))
                tx.update(
                    "replaced", ReservationItem(replacing.id), _ended("replaced", now_ms), reservation_is_active()
                )
            tx.save("reservation", self._new_reservation_item(new), reservation_is_new())
            tx.update(
                "holder",
                HolderItem(new.user_id, new.screening_id),
                [
                    HolderItem.hold_id.set(new.id),
                    HolderItem.expires_at_ms.set(expires_ms),
                    HolderItem.seat_ids.set(list(new.seat_ids)),
                    HolderItem.created_at_ms.set(epoch_ms(new.created_at)),
                    HolderItem.started_at_ms.set(epoch_ms(new.started_at)),
                    HolderItem.purge_at.set(from_epoch_ms(expires_ms + PURGE_AFTER_MS)),
                ],
                holder_is(replacing.id) if replacing else no_active_hold(now_ms),
                all_old=True,
            )
            cancelled = tx.commit()
            if cancelled is None:
                return
            last = cancelled
            # The user's own hold state first: a kept seat fails too when the old hold ended meanwhile.
            if cancelled.failed("holder"):
                current = _hold_from_holder(new.user_id, new.screening_id, cancelled.old_item("holder"))
                raise HoldChanged(current) from cancelled.error
            if cancelled.failed("replaced"):
                raise HoldChanged() from cancelled.error  # the old hold ended meanwhile: the caller reads again
            refused = cancelled.failed_labels("seat:")
            if refused:
                self._refuse_seats(new, refused, cancelled, now_ms)
            if cancelled.failed("reservation"):
                raise Conflict("reservation_exists", f"A reservation with id {new.id} exists already.") from (
                    cancelled.error
                )
            stale = _seat_ids(cancelled.failed_labels("drop:"))
            if stale:  # the old hold had expired and someone took these since: they are not ours to free
                dropped = [seat for seat in dropped if seat not in stale]
                continue
            back_off(attempt)  # TransactionConflict: another transaction is writing one of these items right now
        raise busy() from last.error  # only other transactions were in the way: the seats may well be free

    @staticmethod
    def _refuse_seats(new: Reservation, labels: list[str], cancelled: Cancellation, now_ms: int) -> None:
        """`SeatsUnavailable` for seats others have; else `HoldCooldown` for seats that wait for this user."""
        states = {label: cancelled.old_item(label) for label in labels}
        cooling = {
            seat: state
            for seat, state in ((label.split(":", 1)[1], _seat_state(raw)) for label, raw in states.items() if raw)
            if state.cooling_down_for(new.user_id, now_ms) and state.status_at(now_ms) == "available"
        }
        taken = [seat for seat in _seat_ids(labels) if seat not in cooling]
        if taken:
            raise SeatsUnavailable([seat for seat in new.seat_ids if seat in taken]) from cancelled.error
        raise cooldown_refusal([cooling[seat] for seat in new.seat_ids if seat in cooling], now_ms) from cancelled.error

    def release(
        self, reservation: Reservation, status: ReleaseReason, now: datetime, request_token: str | None = None
    ) -> tuple[str, ...]:
        now_ms = epoch_ms(now)
        seats = list(reservation.seat_ids)
        release_holder = True
        token = request_token or _request_token()
        # Released early: the cooldown runs from now. Expired: it runs from the expiry, as the hold wrote it.
        freed = _free_seat()
        if status == "released":
            freed.append(SeatItem.cooling_until_ms.set(cooldown_ends_ms(now_ms, self._cooldown_seconds)))
        ending = reservation_is_active() & hold_is_past_due(now_ms) if status == "expired" else reservation_is_active()
        for attempt in range(CONFLICT_RETRIES + len(seats) + 1):
            tx = Transaction(SeatItem, token=f"{token}-{attempt}")
            for seat in seats:
                tx.update(f"seat:{seat}", SeatItem(reservation.screening_id, seat), freed, held_by(reservation.id))
            tx.update("reservation", ReservationItem(reservation.id), _ended(status, now_ms), ending)
            if release_holder:
                holder = HolderItem(reservation.user_id, reservation.screening_id)
                tx.delete("holder", holder, holder_is(reservation.id))
            cancelled = tx.commit()
            if cancelled is None:
                return tuple(seats)
            if cancelled.failed("reservation"):
                return ()  # already ended by someone else (harmless), or extended since (an expiry ends nothing)
            refused = set(cancelled.failed_labels())
            seats = [seat for seat in seats if f"seat:{seat}" not in refused]
            release_holder = release_holder and "holder" not in refused
            if len(refused) < len(cancelled.reasons):
                back_off(attempt)
        raise busy()

    def extend(
        self, reservation: Reservation, new_expiry: datetime, now: datetime, request_token: str | None = None
    ) -> Reservation:
        now_ms, expires_ms = epoch_ms(now), epoch_ms(new_expiry)
        tx = Transaction(SeatItem, token=f"{request_token or _request_token()}-0")
        for seat in reservation.seat_ids:
            tx.update(
                f"seat:{seat}",
                SeatItem(reservation.screening_id, seat),
                [
                    SeatItem.expires_at_ms.set(expires_ms),
                    SeatItem.version.add(1),
                    SeatItem.cooling_until_ms.set(cooldown_ends_ms(expires_ms, self._cooldown_seconds)),
                ],
                still_held_by(reservation.id, now_ms),
            )
        tx.update(
            "reservation",
            ReservationItem(reservation.id),
            [ReservationItem.expires_at_ms.set(expires_ms), ReservationItem.extended.set(True)],
            reservation_is_extendable(now_ms),
        )
        tx.update(
            "holder",
            HolderItem(reservation.user_id, reservation.screening_id),
            [HolderItem.expires_at_ms.set(expires_ms)],
            holder_is(reservation.id),
        )
        cancelled = tx.commit()
        if cancelled is not None and cancelled.conflict_only:
            raise busy() from cancelled.error  # the hold may be fine: another transaction was on its items
        if cancelled is not None:
            raise HoldExpired("hold_expired", "This hold has expired or changed; hold the seats again.") from (
                cancelled.error
            )
        return replace(reservation, expires_at=new_expiry, extended=True)

    def sell(self, reservation: Reservation, now: datetime) -> None:
        tx = Transaction(SeatItem)
        add_sale(tx, reservation, epoch_ms(now))
        cancelled = tx.commit()
        if cancelled is not None:
            raise HoldExpired("hold_expired", "This hold has expired or changed; hold the seats again.") from (
                cancelled.error
            )

    def return_to_sale(self, screening_id: str, seat_id: str, reservation_id: str) -> None:
        tx = Transaction(SeatItem)
        add_return(tx, screening_id, seat_id, reservation_id)
        cancelled = tx.commit()
        if cancelled is not None:
            raise Conflict("seat_not_sold", f"Seat {seat_id} is not sold by {reservation_id}.") from cancelled.error

    @staticmethod
    def _new_reservation_item(new: Reservation) -> ReservationItem:
        return ReservationItem(
            new.id,
            screening_id=new.screening_id,
            user_id=new.user_id,
            seat_ids=list(new.seat_ids),
            prices=dict(new.prices),
            total_cents=new.total_cents,
            currency=new.currency,
            status="active",
            created_at_ms=epoch_ms(new.created_at),
            started_at_ms=epoch_ms(new.started_at),
            expires_at_ms=epoch_ms(new.expires_at),
            extended=False,
            expiry_shard=_shard(new.id),
        )


# --- selling and returning seats (the payments room writes these inside its own transactions) -------------


def add_sale(tx: Transaction, reservation: Reservation, now_ms: int) -> None:
    """The booking room's part of a sale: each seat ``sold`` (`still_held_by`), the reservation ``paid``
    (`reservation_is_active`), the user's holder gone (`holder_is`). Labels: ``sold:<seat>``, ``paid``, ``holder``."""
    for seat in reservation.seat_ids:
        tx.update(
            f"sold:{seat}",
            SeatItem(reservation.screening_id, seat),
            [SeatItem.status.set("sold"), SeatItem.expires_at_ms.remove(), SeatItem.version.add(1)],
            still_held_by(reservation.id, now_ms),
        )
    tx.update("paid", ReservationItem(reservation.id), _ended("paid", now_ms), reservation_is_active())
    tx.delete("holder", HolderItem(reservation.user_id, reservation.screening_id), holder_is(reservation.id))


def sale_refused(cancelled: Cancellation) -> bool:
    """Whether a sale's cancellation came from the booking room's conditions (the hold is gone), not a conflict."""
    return bool(cancelled.failed_labels("sold:")) or cancelled.failed("paid") or cancelled.failed("holder")


def add_return(tx: Transaction, screening_id: str, seat_id: str, reservation_id: str) -> None:
    """The booking room's part of a refund: the seat back on sale, if `sold_by` this reservation. Label ``return``."""
    tx.update("return", SeatItem(screening_id, seat_id), _free_seat(), sold_by(reservation_id))


def _free_seat() -> list[Action]:
    return [
        SeatItem.status.set("available"),
        SeatItem.hold_id.remove(),
        SeatItem.holder_id.remove(),
        SeatItem.expires_at_ms.remove(),
        SeatItem.version.add(1),
    ]


def _ended(status: ReservationStatus, now_ms: int) -> list[Action]:
    return [
        ReservationItem.status.set(status),
        ReservationItem.ended_at_ms.set(now_ms),
        ReservationItem.expiry_shard.remove(),
        ReservationItem.purge_at.set(from_epoch_ms(now_ms + PURGE_AFTER_MS)),
    ]
