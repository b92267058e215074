"""What must hold after a load test, checked from the tables (and the API): nothing sold twice, the line was fair.

Each check returns a `Check` (name, ok, detail). Table checks need the storage endpoint (the local cloud's moto,
or ``--aws-endpoint``); without it they are reported as not checked, never as passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.holds import SeatState
from chalicelib.domain.surge import BatchMap, SeatRequest


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not checked
    detail: str

    def wire(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def seat_states(screening_id: str) -> list[SeatState]:
    from chalicelib.adapters.dynamodb.booking import DynamoSeatInventory

    return DynamoSeatInventory().seat_states(screening_id)


def active_reservations(screening_id: str, now_ms: int) -> list[Any]:
    from chalicelib.adapters.dynamodb.models.booking import ReservationItem

    scan = ReservationItem.scan((ReservationItem.screening_id == screening_id) & (ReservationItem.status == "active"))
    return [item for item in scan if int(item.expires_at_ms) > now_ms]


def seat_requests(screening_id: str) -> list[Any]:
    from chalicelib.adapters.dynamodb.models.surge import SeatRequestItem

    return list(SeatRequestItem.scan(SeatRequestItem.screening_id == screening_id))


def decided_count(screening_id: str) -> int:
    from chalicelib.adapters.dynamodb.surge import DynamoLines

    return DynamoLines().state(screening_id).decided


def nothing_sold_twice(screening_id: str, capacity: int, now_ms: int) -> tuple[list[Check], int]:
    """Every held seat is held by exactly one active reservation that lists it; held + sold within capacity."""
    states = seat_states(screening_id)
    live = [s for s in states if s.status_at(now_ms) in ("held", "sold")]
    holds = active_reservations(screening_id, now_ms)
    owners: dict[str, list[str]] = {}
    for item in holds:
        for seat in item.seat_ids:
            owners.setdefault(seat, []).append(item.id)
    twice = {seat: ids for seat, ids in owners.items() if len(ids) > 1}
    by_seat = {s.seat_id: s for s in states}
    orphans = [seat for seat, ids in owners.items() if by_seat.get(seat) and by_seat[seat].hold_id not in ids]
    held = sum(1 for s in live if s.status_at(now_ms) == "held")
    checks = [
        Check("no seat in two active reservations", not twice, f"{len(twice)} seats in two: {list(twice)[:5]}"),
        Check("every active reservation holds its seats", not orphans, f"{len(orphans)} seats not held by their hold"),
        Check("held + sold <= capacity", len(live) <= capacity, f"{len(live)} of {capacity}"),
    ]
    return checks, held


def _request(item: Any) -> SeatRequest:
    return SeatRequest(
        item.request_id, item.screening_id, item.user_id, tuple(item.seat_ids), int(item.enqueued_at_ms), 0
    )


def replay_in_arrival_order(items: Iterable[Any], initial: Iterable[SeatState], max_wait_ms: int) -> Check:
    """Replay the decided requests in their arrival order (ordinal) with the line's rules, from the opening map.

    First come, first served holds when every request's outcome is the replay's: for every seat, the request
    that got it is the first in arrival order that asked for it while it was free.
    """
    decided = sorted((item for item in items if item.status != "queued"), key=lambda item: int(item.ordinal))
    ordinals = [int(item.ordinal) for item in decided]
    if ordinals != list(range(len(ordinals))):
        return Check("winners in arrival order", False, "ordinals are not 0..n-1: the arrival order is unknown")
    seats = BatchMap(initial, 0)
    expected = {"win": "succeeded", "taken": "seats_unavailable", "sold_out": "sold_out", "expired": "request_expired"}
    mismatches = []
    for item in decided:
        request = _request(item)
        verdict = seats.judge(request, int(item.decided_at_ms), max_wait_ms)
        actual = "succeeded" if item.status == "succeeded" else item.error_code
        if expected[verdict.outcome] != actual:
            mismatches.append((item.request_id, verdict.outcome, actual))
        if item.status == "succeeded":
            seats.took(request)
        elif verdict.outcome == "win":
            seats.lost(request.seat_ids)
    return Check(
        "winners in arrival order",
        not mismatches,
        f"{len(decided) - len(mismatches)}/{len(decided)} outcomes match a first-come-first-served replay"
        + (f"; first mismatches {mismatches[:3]}" if mismatches else ""),
    )


def client_order_respected(sent: list[tuple[float, float, int]]) -> Check:
    """(sent_at, answered_at, ordinal) per request: a request answered before another was sent is ahead of it."""
    by_answer = sorted((answered, ordinal) for _, answered, ordinal in sent)
    inversions, best, at = 0, -1, 0
    for sent_at, _, ordinal in sorted(sent):
        while at < len(by_answer) and by_answer[at][0] < sent_at:
            best = max(best, by_answer[at][1])
            at += 1
        if best > ordinal:
            inversions += 1
    return Check(
        "line order agrees with what clients saw",
        inversions == 0,
        f"{inversions} requests placed behind one that was queued before they were sent",
    )
