"""Committed changes of seats, as the seat table's change stream reports them, and what watchers are told.

A `SeatChange` is one committed write of one seat item: its state before and after (either is None when
the item was created or deleted). The stream delivers them in commit order per seat, from every writer.

What follows from a batch of changes, per screening (`coalesce`):
- the status each changed seat now shows (one entry per seat, its last state in the batch; a seat whose
  status and hold end where they began, such as an extension, says nothing new and is left out);
- the holds that took seats (`Taken`) and the holds that let seats go (`Freed`), told to their holders;
- the holds whose expiry is new (`expiries`), each to be nudged once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from chalicelib.domain.holds import SeatState


@dataclass(frozen=True)
class SeatChange:
    screening_id: str
    before: SeatState | None
    after: SeatState | None
    record_id: str
    """Where the change sits in the stream (its sequence number): the same record always has the same id."""

    @property
    def seat_id(self) -> str:
        state = self.after or self.before
        assert state is not None  # a change has a state before or after it
        return state.seat_id

    @property
    def taken_by(self) -> str | None:
        """The hold that this change gave the seat to, if it did."""
        if self.after is None or self.after.status != "held" or self.after.hold_id is None:
            return None
        return None if self.before is not None and self.before.hold_id == self.after.hold_id else self.after.hold_id

    @property
    def freed_from(self) -> str | None:
        """The hold that this change took the seat from (made it available or someone else's), if it did."""
        if self.before is None or self.before.status != "held" or self.before.hold_id is None:
            return None
        after = self.after
        if (
            after is not None
            and after.status != "available"
            and not (after.status == "held" and after.hold_id != self.before.hold_id)
        ):
            return None  # still held by it, or sold to its holder
        return self.before.hold_id


@dataclass(frozen=True)
class HoldSeats:
    """Seats a hold took or let go within one batch, for its holder's own connections."""

    screening_id: str
    hold_id: str
    user_id: str
    seat_ids: tuple[str, ...]


@dataclass(frozen=True)
class HoldExpiry:
    screening_id: str
    hold_id: str
    expires_at_ms: int


@dataclass(frozen=True)
class ScreeningChanges:
    """One batch's changes of one screening, coalesced into what one message says."""

    screening_id: str
    statuses: dict[str, str]
    """seat id -> the status it now shows; in the order the seats first changed."""
    last_record_id: str
    taken: tuple[HoldSeats, ...] = field(default=())
    freed: tuple[HoldSeats, ...] = field(default=())


def coalesce(changes: Sequence[SeatChange]) -> list[ScreeningChanges]:
    """Group a batch by screening, in the order each screening first appears."""
    by_screening: dict[str, list[SeatChange]] = {}
    for change in changes:
        by_screening.setdefault(change.screening_id, []).append(change)
    return [_coalesce_one(screening_id, group) for screening_id, group in by_screening.items()]


def _coalesce_one(screening_id: str, changes: list[SeatChange]) -> ScreeningChanges:
    first: dict[str, tuple[str, str | None] | None] = {}
    last: dict[str, tuple[str, str | None] | None] = {}
    taken: dict[tuple[str, str], list[str]] = {}
    freed: dict[tuple[str, str], list[str]] = {}
    for change in changes:
        seat_id = change.seat_id
        if seat_id not in first:
            first[seat_id] = _shown(change.before)
        last[seat_id] = _shown(change.after)
        if change.freed_from and change.before and change.before.holder_id:
            freed.setdefault((change.freed_from, change.before.holder_id), []).append(seat_id)
        if change.taken_by and change.after and change.after.holder_id:
            taken.setdefault((change.taken_by, change.after.holder_id), []).append(seat_id)
    statuses = {seat: shown[0] for seat, shown in last.items() if shown is not None and shown != first[seat]}
    return ScreeningChanges(
        screening_id,
        statuses,
        changes[-1].record_id,
        taken=_holds(screening_id, taken),
        freed=_holds(screening_id, freed),
    )


def _shown(state: SeatState | None) -> tuple[str, str | None] | None:
    """What a change of a seat means to a watcher: its status, and whose hold it is (an extension changes neither).

    A seat whose expired hold is taken by another stays "held" but must be told: a snapshot shows an
    expired hold as available.
    """
    return (state.status, state.hold_id) if state is not None else None


def _holds(screening_id: str, seats: dict[tuple[str, str], list[str]]) -> tuple[HoldSeats, ...]:
    return tuple(HoldSeats(screening_id, hold, user, tuple(ids)) for (hold, user), ids in seats.items())


def expiries(changes: Iterable[SeatChange]) -> list[HoldExpiry]:
    """Each hold whose seats got a new expiry (a new hold, a replacement, an extension), once."""
    found: dict[tuple[str, int], HoldExpiry] = {}
    for change in changes:
        after, before = change.after, change.before
        if after is None or after.status != "held" or after.hold_id is None or after.expires_at_ms is None:
            continue
        if before is not None and (before.hold_id, before.expires_at_ms) == (after.hold_id, after.expires_at_ms):
            continue
        key = (after.hold_id, after.expires_at_ms)
        found.setdefault(key, HoldExpiry(change.screening_id, after.hold_id, after.expires_at_ms))
    return list(found.values())
