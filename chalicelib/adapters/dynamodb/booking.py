"""The seat inventory on DynamoDB: every hold decision is one `TransactWriteItems` whose conditions decide.

Items of one hold of k seats (see docs/reservations.md for costs):
- k `SeatItem` updates, each conditioned on `seat_is_free` (or `held_by(old)` for seats a replacement keeps);
- the new `ReservationItem`, conditioned on `reservation_is_new`;
- the user's `HolderItem`, conditioned on `no_active_hold` (or `holder_is(old)` when replacing);
- when replacing: the old reservation (`reservation_is_active`) and the old-only seats (`held_by(old)`).

Seat and holder conditions return the current item on failure (ALL_OLD), so a loser learns exactly which
seats it lost without a second read.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb.models.booking import HolderItem, ReservationItem, SeatItem
from chalicelib.domain.clock import epoch_ms, from_epoch_ms
from chalicelib.domain.errors import Conflict, DependencyUnavailable, HoldExpired
from chalicelib.domain.reservations import Reservation, SeatState, StoredStatus
from chalicelib.services.booking_ports import ActiveHoldExists, SeatsTaken

EXPIRY_SHARDS = 10
PURGE_AFTER_MS = 30 * 24 * 3600 * 1000  # ended reservations are garbage-collected by TTL a month later
CONFLICT_RETRIES = 3
CONDITION_FAILED = "ConditionalCheckFailed"

# --- named conditions: each says what it guarantees --------------------------------------------------


def seat_is_free(now_ms: int) -> Condition:
    """Available, or held by a hold that has expired. Sold and blocked seats never match."""
    return (SeatItem.status == "available") | ((SeatItem.status == "held") & (SeatItem.expires_at_ms <= now_ms))


def held_by(hold_id: str) -> Condition:
    return (SeatItem.status == "held") & (SeatItem.hold_id == hold_id)


def reservation_is_new() -> Condition:
    return ReservationItem.id.does_not_exist()


def reservation_is_active() -> Condition:
    return ReservationItem.status == "active"


def no_active_hold(now_ms: int) -> Condition:
    """The user holds nothing for this screening, or only a hold that has expired."""
    return HolderItem.hold_id.does_not_exist() | (HolderItem.expires_at_ms <= now_ms)


def holder_is(hold_id: str) -> Condition:
    return HolderItem.hold_id == hold_id


# --- mapping ------------------------------------------------------------------------------------------


def _seat_state(item: SeatItem) -> SeatState:
    return SeatState(
        seat_id=item.seat_id,
        row=item.row,
        number=int(item.number),
        row_index=int(item.row_index),
        position=int(item.position),
        category=item.category,
        price_cents=int(item.price_cents),
        status=item.status,
        hold_id=item.hold_id,
        holder_id=item.holder_id,
        expires_at_ms=int(item.expires_at_ms) if item.expires_at_ms is not None else None,
        version=int(item.version or 0),
    )


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


class _Tx:
    """A transaction that remembers which item each cancellation reason belongs to.

    PynamoDB sends condition checks, deletes, puts, then updates; reasons come back in that order.
    """

    def __init__(self, connection: Connection, token: str | None = None):
        self._connection = connection
        self._token = token
        self._ops: list[tuple[str, str, Callable[[TransactWrite], None]]] = []

    def update(self, label: str, model, actions, condition: Condition, all_old: bool = False) -> None:
        values = "ALL_OLD" if all_old else None
        self._ops.append(("update", label, lambda tx: tx.update(model, actions, condition, return_values=values)))

    def save(self, label: str, model, condition: Condition) -> None:
        self._ops.append(("put", label, lambda tx: tx.save(model, condition=condition)))

    def delete(self, label: str, model, condition: Condition) -> None:
        self._ops.append(("delete", label, lambda tx: tx.delete(model, condition=condition)))

    def commit(self) -> None:
        with TransactWrite(connection=self._connection, client_request_token=self._token) as tx:
            for _, _, op in self._ops:
                op(tx)

    def failures(self, error: TransactWriteError) -> dict[str, tuple[str, dict | None]]:
        """label -> (reason code, old item) for every item that caused the cancellation."""
        order = [label for kind in ("check", "delete", "put", "update") for k, label, _ in self._ops if k == kind]
        return {
            label: (reason.code, reason.raw_item)
            for label, reason in zip(order, error.cancellation_reasons, strict=False)
            if reason is not None and reason.code not in (None, "None")
        }


def _labelled(failures: dict[str, tuple[str, dict | None]], prefix: str, code: str | None = None) -> list[str]:
    return [
        label.split(":", 1)[1]
        for label, (reason, _) in failures.items()
        if label.startswith(prefix) and (code is None or reason == code)
    ]


class DynamoSeatInventory:
    def __init__(self) -> None:
        # The seats table's own PynamoDB connection (one botocore client per thread), shared by every transaction.
        self._connection: Connection = SeatItem._get_connection().connection

    # --- reads ---

    def seats(self, screening_id: str) -> list[SeatState]:
        return [_seat_state(item) for item in SeatItem.query(screening_id)]

    def statuses(self, screening_id: str) -> list[StoredStatus]:
        """A projected query read straight from the wire: a 300-seat map parses in a few ms, not tens."""
        table = SeatItem._get_connection()
        rows: list[StoredStatus] = []
        start = None
        while True:
            page = table.query(
                screening_id,
                attributes_to_get=["seat_id", "status", "expires_at_ms", "version", "holder_id"],
                exclusive_start_key=start,
            )
            for raw in page.get("Items", []):
                expires = raw.get("expires_at_ms", {}).get("N")
                rows.append(
                    StoredStatus(
                        raw["seat_id"]["S"],
                        raw["status"]["S"],
                        int(expires) if expires is not None else None,
                        int(raw.get("version", {}).get("N", 0)),
                        raw.get("holder_id", {}).get("S"),
                    )
                )
            start = page.get("LastEvaluatedKey")
            if not start:
                return rows

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

    def for_user(self, user_id: str, limit: int = 50) -> list[Reservation]:
        items = ReservationItem.by_user.query(user_id, scan_index_forward=False, limit=limit)
        return [_reservation(item) for item in items]

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
        for attempt in range(CONFLICT_RETRIES):
            tx = _Tx(self._connection, token=f"{new.id}-{attempt}-{len(dropped)}")
            for seat in new.seat_ids:
                condition = held_by(replacing.id) if seat in kept else seat_is_free(now_ms)
                tx.update(
                    f"seat:{seat}",
                    SeatItem(new.screening_id, seat),
                    [
                        SeatItem.status.set("held"),
                        SeatItem.hold_id.set(new.id),
                        SeatItem.holder_id.set(new.user_id),
                        SeatItem.expires_at_ms.set(expires_ms),
                        SeatItem.version.add(1),
                    ],
                    condition,
                    all_old=True,
                )
            for seat in dropped:
                tx.update(f"drop:{seat}", SeatItem(new.screening_id, seat), _free_seat_actions(), held_by(replacing.id))
            tx.save("reservation", self._new_reservation_item(new, now_ms), reservation_is_new())
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
            if replacing:
                tx.update(
                    "replaced", ReservationItem(replacing.id), _end_actions("replaced", now_ms), reservation_is_active()
                )
            try:
                tx.commit()
                return
            except TransactWriteError as error:
                failures = tx.failures(error)
                if not failures:
                    raise
            # The user's own hold state first: a kept seat fails too when the old hold ended meanwhile.
            holder = failures.get("holder")
            if holder and holder[0] == CONDITION_FAILED:
                current = _hold_from_holder(new.user_id, new.screening_id, holder[1])
                raise ActiveHoldExists(current.id if current else None, current)
            if failures.get("replaced", ("",))[0] == CONDITION_FAILED:
                raise ActiveHoldExists(None)  # the old hold ended meanwhile: the caller reads again
            taken = _labelled(failures, "seat:", CONDITION_FAILED)
            if taken:
                raise SeatsTaken([seat for seat in new.seat_ids if seat in taken])
            if failures.get("reservation", ("",))[0] == CONDITION_FAILED:
                raise Conflict("reservation_exists", f"A reservation with id {new.id} exists already.")
            stale = _labelled(failures, "drop:", CONDITION_FAILED)
            if stale:  # the old hold had expired and someone took these since: they are not ours to free
                dropped = [seat for seat in dropped if seat not in stale]
                continue
            # TransactionConflict: another transaction is writing one of these items at this very moment.
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
        raise SeatsTaken(_labelled(failures, "seat:") or new.seat_ids)

    def release(self, reservation: Reservation, status: str, now: datetime) -> tuple[str, ...]:
        now_ms = epoch_ms(now)
        seats = list(reservation.seat_ids)
        release_holder = True
        for attempt in range(CONFLICT_RETRIES + len(seats) + 1):
            tx = _Tx(self._connection)
            for seat in seats:
                tx.update(
                    f"seat:{seat}",
                    SeatItem(reservation.screening_id, seat),
                    _free_seat_actions(),
                    held_by(reservation.id),
                )
            tx.update(
                "reservation", ReservationItem(reservation.id), _end_actions(status, now_ms), reservation_is_active()
            )
            if release_holder:
                tx.delete(
                    "holder", HolderItem(reservation.user_id, reservation.screening_id), holder_is(reservation.id)
                )
            try:
                tx.commit()
                return tuple(seats)
            except TransactWriteError as error:
                failures = tx.failures(error)
                if not failures:
                    raise
            if failures.get("reservation", ("",))[0] == CONDITION_FAILED:
                return ()  # already ended by someone else: releasing twice is harmless
            conditional = {label for label, (code, _) in failures.items() if code == CONDITION_FAILED}
            seats = [seat for seat in seats if f"seat:{seat}" not in conditional]
            release_holder = release_holder and "holder" not in conditional
            if len(conditional) < len(failures):
                time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
        raise DependencyUnavailable("busy", "The seats are being changed by others right now; try again.")

    def extend(self, reservation: Reservation, new_expiry: datetime, now: datetime) -> Reservation:
        now_ms, expires_ms = epoch_ms(now), epoch_ms(new_expiry)
        tx = _Tx(self._connection)
        for seat in reservation.seat_ids:
            tx.update(
                f"seat:{seat}",
                SeatItem(reservation.screening_id, seat),
                [SeatItem.expires_at_ms.set(expires_ms), SeatItem.version.add(1)],
                held_by(reservation.id) & (SeatItem.expires_at_ms > now_ms),
            )
        tx.update(
            "reservation",
            ReservationItem(reservation.id),
            [ReservationItem.expires_at_ms.set(expires_ms), ReservationItem.extended.set(True)],
            reservation_is_active() & (ReservationItem.extended == False) & (ReservationItem.expires_at_ms > now_ms),  # noqa: E712
        )
        tx.update(
            "holder",
            HolderItem(reservation.user_id, reservation.screening_id),
            [HolderItem.expires_at_ms.set(expires_ms)],
            holder_is(reservation.id),
        )
        try:
            tx.commit()
        except TransactWriteError as error:
            if tx.failures(error):
                raise HoldExpired("hold_expired", "This hold has expired or changed; hold the seats again.") from error
            raise
        return replace(reservation, expires_at=new_expiry, extended=True)

    def _new_reservation_item(self, new: Reservation, now_ms: int) -> ReservationItem:
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


def _free_seat_actions() -> list:
    return [
        SeatItem.status.set("available"),
        SeatItem.hold_id.remove(),
        SeatItem.holder_id.remove(),
        SeatItem.expires_at_ms.remove(),
        SeatItem.version.add(1),
    ]


def _end_actions(status: str, now_ms: int) -> list:
    return [
        ReservationItem.status.set(status),
        ReservationItem.ended_at_ms.set(now_ms),
        ReservationItem.expiry_shard.remove(),
        ReservationItem.purge_at.set(from_epoch_ms(now_ms + PURGE_AFTER_MS)),
    ]
