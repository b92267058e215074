"""What must hold after any race, read from the database itself (never from what the racers believe)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from chalicelib.adapters.dynamodb.models.booking import ReservationItem, SeatItem
from chalicelib.domain.clock import epoch_ms


def check_seat_invariants(screening_id: str, winners: dict[str, tuple[str, ...]]) -> list[str]:
    """Problems found: every seat held or sold by at most one live reservation; every winner really holds its seats."""
    problems: list[str] = []
    now_ms = epoch_ms(datetime.now(UTC))
    seats = {item.seat_id: item for item in SeatItem.query(screening_id, consistent_read=True)}
    reservations = {
        item.id: item
        for item in ReservationItem.scan(ReservationItem.screening_id == screening_id, consistent_read=True)
    }
    # live: paid, or active and not yet expired (an expired hold's seats may be taken before anything releases it)
    live = {
        rid: r
        for rid, r in reservations.items()
        if r.status == "paid" or (r.status == "active" and r.expires_at_ms > now_ms)
    }
    claims = Counter(seat for r in live.values() for seat in r.seat_ids)
    problems += [f"seat {seat} claimed by {n} live reservations" for seat, n in claims.items() if n > 1]
    for rid, reservation in live.items():
        for seat in reservation.seat_ids:
            item = seats[seat]
            if item.hold_id != rid:
                problems.append(f"{rid} is {reservation.status} but seat {seat} is held by {item.hold_id}")
    for seat_id, item in seats.items():
        if item.status in ("held", "sold") and item.hold_id not in reservations:
            problems.append(f"seat {seat_id} is {item.status} by unknown hold {item.hold_id}")
        if item.status == "held" and item.hold_id in live and item.expires_at_ms != live[item.hold_id].expires_at_ms:
            problems.append(f"seat {seat_id} expiry disagrees with its reservation")
    for rid, seat_ids in winners.items():
        reservation = reservations.get(rid)
        if reservation is None:
            problems.append(f"acknowledged hold {rid} is missing")
        elif reservation.status == "active" and any(seats[s].hold_id != rid for s in seat_ids):
            problems.append(f"acknowledged active hold {rid} lost a seat")
    held = sum(1 for item in seats.values() if item.status in ("held", "sold") and (item.expires_at_ms or 0) > now_ms)
    if held > len(seats):
        problems.append("more seats taken than exist")
    return problems
