"""The load test's own judges: they must fail on an unfair line and on an order clients could see was broken."""

from __future__ import annotations

from types import SimpleNamespace

from chalicelib.domain.holds import SeatState
from scripts.loadtest.invariants import client_order_respected, replay_in_arrival_order

OPENING = [SeatState(seat, "available") for seat in ("A1", "A2")]


def decided(ordinal: int, user: str, seats: tuple[str, ...], status: str, code: str | None = None):
    return SimpleNamespace(
        request_id=f"req_{ordinal}",
        screening_id="scr",
        user_id=user,
        seat_ids=list(seats),
        enqueued_at_ms=0,
        decided_at_ms=1_000,
        ordinal=ordinal,
        status=status,
        error_code=code,
    )


def test_a_line_decided_first_come_first_served_passes_the_replay():
    items = [
        decided(0, "alice", ("A1",), "succeeded"),
        decided(1, "bob", ("A1",), "failed", "seats_unavailable"),
        decided(2, "carol", ("A2",), "succeeded"),
        decided(3, "dan", ("A2",), "failed", "sold_out"),
    ]

    assert replay_in_arrival_order(items, OPENING, 120_000).ok is True


def test_a_seat_given_to_a_later_request_fails_the_replay():
    items = [
        decided(0, "alice", ("A1",), "failed", "seats_unavailable"),
        decided(1, "bob", ("A1",), "succeeded"),
    ]

    check = replay_in_arrival_order(items, OPENING, 120_000)

    assert check.ok is False and check.detail.startswith("0/2")


def test_a_gap_in_the_arrival_order_fails_the_replay():
    items = [decided(0, "alice", ("A1",), "succeeded"), decided(2, "bob", ("A2",), "succeeded")]

    assert replay_in_arrival_order(items, OPENING, 120_000).ok is False


def test_a_request_queued_before_another_was_sent_must_be_ahead_of_it():
    # (sent_at, answered_at, ordinal): the first was answered at 1.0, the second sent at 2.0
    assert client_order_respected([(0.0, 1.0, 0), (2.0, 3.0, 1)]).ok is True
    assert client_order_respected([(0.0, 1.0, 1), (2.0, 3.0, 0)]).ok is False
    assert client_order_respected([(0.0, 3.0, 1), (1.0, 2.0, 0)]).ok is True  # overlapping: either order is fair
