"""Surge mode: a fair waiting line for a mobbed screening, decided a batch at a time.

Guarantees (the consumer and its storage keep them; docs/surge.md):
- first come, first served: requests are judged in arrival order (the FIFO group of the screening), each
  against the seats as the requests before it left them; for every seat, the request that got it is the
  first in arrival order that asked for it while it was free;
- a request is one request however often it is sent or delivered: its id comes from who asked and what
  (`request_id_for`), the hold it makes has an id derived from it (`hold_id_for`), and its decision is
  recorded once;
- nothing here decides a sale: a winner's hold is still the booking room's conditional write, and a write
  that is refused makes the request a loss, never an oversale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from chalicelib.domain.holds import SeatState
from chalicelib.domain.seating import Suggestion

DOUBLE_CLICK_SECONDS = 10
"""The same user asking for the same seats of the same screening within this window is one request."""

ARRIVAL_SHARDS = 10
"""Counters the arrivals of one screening are spread over: each takes a tenth of the rush (docs/surge.md)."""

RequestStatus = Literal["queued", "succeeded", "failed"]
Outcome = Literal["win", "taken", "sold_out", "expired"]


def request_id_for(user_id: str, screening_id: str, seat_ids: Iterable[str], now_ms: int) -> str:
    """The id of a request: the same for a double click (same user, screening and seats, same window)."""
    window = now_ms // (DOUBLE_CLICK_SECONDS * 1000)
    key = "|".join((user_id, screening_id, ",".join(sorted(seat_ids)), str(window)))
    return "req_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def hold_id_for(request_id: str) -> str:
    """The id of the hold a request makes: a second delivery of the request finds it instead of holding again."""
    return "rsv_q" + request_id.removeprefix("req_")


def arrival_shard(request_id: str) -> int:
    return int(request_id[-4:], 16) % ARRIVAL_SHARDS


def position(arrival: int, decided: int) -> int:
    """Estimated requests ahead, counting this one (1: next to be decided). Never below 1 while queued."""
    return max(1, arrival - decided)


@dataclass(frozen=True)
class SeatRequest:
    """A request for seats waiting in a screening's line."""

    request_id: str
    screening_id: str
    user_id: str
    seat_ids: tuple[str, ...]
    enqueued_at_ms: int
    arrival: int
    """The estimated arrivals up to this one when it joined (its position then, plus those decided)."""

    @property
    def hold_id(self) -> str:
        return hold_id_for(self.request_id)


@dataclass(frozen=True)
class Failure:
    """Why a request got no hold: an error code of the one table, and for ``seats_unavailable`` other seats."""

    code: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    alternatives: tuple[Suggestion, ...] = ()


@dataclass(frozen=True)
class Decision:
    """What became of a request: a hold, or the reason it got none. Recorded once per request."""

    request_id: str
    status: Literal["succeeded", "failed"]
    ordinal: int
    """Its place in the screening's arrival order (0 = first decided)."""
    decided_at_ms: int
    reservation_id: str | None = None
    failure: Failure | None = None


@dataclass(frozen=True)
class StoredRequest:
    request: SeatRequest
    status: RequestStatus
    decision: Decision | None = None


@dataclass(frozen=True)
class LineState:
    """A screening's line: how many requests it decided, how many arrived, and until when a surge lasts."""

    decided: int = 0
    arrivals: int = 0
    surge_until_ms: int = 0
    last_batch_first: str | None = None
    """The first request of the last batch counted, and how many requests it counted from there."""
    last_batch_count: int = 0

    def surging_at(self, now_ms: int) -> bool:
        return self.surge_until_ms > now_ms

    def first_ordinal_of(self, request_ids: list[str]) -> int:
        """The ordinal of a batch's first request: the next one, unless this batch was counted already
        (a delivery that died after counting it, before recording every decision), then the one it had."""
        if self.last_batch_first in request_ids and self.last_batch_count:
            return self.decided - self.last_batch_count - request_ids.index(self.last_batch_first)
        return self.decided


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    taken: tuple[str, ...] = ()
    """For ``taken``: the asked seats that were not free."""


class BatchMap:
    """The seats of one screening as the requests judged so far in a batch left them (one read per batch).

    A seat is free for a request when its hold expired, when it is available, or when the requester's own
    current hold has it (a new hold replaces the user's previous one, as on the direct path).
    """

    def __init__(self, states: Iterable[SeatState], now_ms: int):
        self._holder: dict[str, str | None] = {}
        self._free: set[str] = set()
        self._hold_of: dict[str, str | None] = {}
        for state in states:
            status = state.status_at(now_ms)
            if status == "available":
                self._free.add(state.seat_id)
            else:
                self._holder[state.seat_id] = state.holder_id if status == "held" else None
                self._hold_of[state.seat_id] = state.hold_id if status == "held" else None

    @property
    def free_count(self) -> int:
        return len(self._free)

    @property
    def taken(self) -> set[str]:
        return set(self._holder)

    def judge(self, request: SeatRequest, now_ms: int, max_wait_ms: int) -> Verdict:
        """The request's fate against the seats as they are now; changes nothing (see `took`)."""
        if now_ms - request.enqueued_at_ms > max_wait_ms:
            return Verdict("expired")
        if all(self._hold_of.get(seat) == request.hold_id for seat in request.seat_ids):
            return Verdict("win")  # decided before: a second delivery finds its own hold
        if not self._free and not self._held_by(request.user_id):
            return Verdict("sold_out")
        taken = tuple(
            seat
            for seat in request.seat_ids
            if seat not in self._free and not (seat in self._holder and self._holder[seat] == request.user_id)
        )
        return Verdict("taken", taken) if taken else Verdict("win")

    def took(self, request: SeatRequest) -> None:
        """The request's hold was written: its seats are its user's, and the user's previous hold is replaced."""
        for seat in self._held_by(request.user_id):
            if seat not in request.seat_ids:
                del self._holder[seat], self._hold_of[seat]
                self._free.add(seat)
        for seat in request.seat_ids:
            self._free.discard(seat)
            self._holder[seat] = request.user_id
            self._hold_of[seat] = request.hold_id

    def lost(self, seat_ids: Iterable[str]) -> None:
        """A hold write was refused for these seats: someone outside the line has them."""
        for seat in seat_ids:
            self._free.discard(seat)
            self._holder.setdefault(seat, None)
            self._hold_of.setdefault(seat, None)

    def _held_by(self, user_id: str) -> list[str]:
        return [seat for seat, holder in self._holder.items() if holder == user_id]


@dataclass
class RateMeter:
    """Counts one instance's hold attempts per screening and second; the totals across instances are stored.

    `record` returns the count to add to the stored total for a second that just ended (or for the current
    second once this instance alone passes `flush_at`), so the store takes one write a second per
    instance, not one per attempt.
    """

    flush_at: int
    _counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    def record(self, screening_id: str, second: int) -> tuple[int, int] | None:
        """Count an attempt; ``(second, count)`` to add to the store when one is due, else None."""
        counted_second, count = self._counts.get(screening_id, (second, 0))
        if counted_second != second:
            self._counts[screening_id] = (second, 1)
            return (counted_second, count) if count else None
        count += 1
        if count >= self.flush_at:
            self._counts[screening_id] = (second, 0)
            return second, count
        self._counts[screening_id] = (second, count)
        return None
