"""What a seat's stored state means at a moment: the one rule behind the seat map and `seats_available`."""

from __future__ import annotations

from chalicelib.domain.holds import SeatState, count_available
from chalicelib.domain.layout import parse_layout

NOW_MS = 1_000_000


def test_held_seats_whose_hold_expired_count_as_available_and_others_do_not():
    states = [
        SeatState("A1", "available"),
        SeatState("A2", "held", expires_at_ms=NOW_MS - 1),  # expired
        SeatState("A3", "held", expires_at_ms=NOW_MS),  # expires exactly now: free again
        SeatState("A4", "held", expires_at_ms=NOW_MS + 60_000),
        SeatState("A5", "sold"),
        SeatState("A6", "blocked"),
    ]

    assert count_available(states, NOW_MS) == 3


def test_a_held_seat_shows_as_held_until_its_hold_expires_then_as_available():
    seat = SeatState("A1", "held", hold_id="rsv_1", expires_at_ms=NOW_MS + 1)

    assert seat.status_at(NOW_MS) == "held"
    assert seat.status_at(NOW_MS + 1) == "available"


def test_sold_and_blocked_seats_never_become_available():
    assert SeatState("A1", "sold").status_at(NOW_MS * 10) == "sold"
    assert SeatState("A1", "blocked").status_at(NOW_MS * 10) == "blocked"


def test_a_new_screening_starts_every_seat_available_except_those_its_layout_blocks():
    layout = parse_layout(
        {
            "rows": [{"label": "A", "seats": [{"number": 1}, {"number": 2, "blocked": True}]}],
            "prices": {"standard": 900},
        }
    )

    opening = [SeatState.opening(seat) for seat in layout.seats]

    assert opening == [SeatState("A1", "available"), SeatState("A2", "blocked")]
