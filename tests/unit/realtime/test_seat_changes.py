"""What a batch of committed seat changes means: one message per screening, holds taken and freed, new expiries."""

from __future__ import annotations

from chalicelib.domain.holds import SeatState
from chalicelib.domain.seat_changes import HoldExpiry, HoldSeats, SeatChange, coalesce, expiries


def state(seat: str, status: str = "available", hold: str | None = None, user: str | None = None, expires: int = 0):
    if status == "held":
        return SeatState(seat, "held", hold_id=hold, holder_id=user, expires_at_ms=expires)
    return SeatState(seat, status)  # type: ignore[arg-type]


def change(before, after, n: int, screening: str = "scr_1") -> SeatChange:
    return SeatChange(screening, before, after, str(n).zfill(40))


def test_a_batch_becomes_one_entry_per_screening_with_each_seats_last_status_in_first_change_order():
    batch = [
        change(state("A1"), state("A1", "held", "h1", "ann", 9), 1),
        change(state("B1"), state("B1", "held", "h2", "bob", 9), 2, screening="scr_2"),
        change(state("A2"), state("A2", "held", "h1", "ann", 9), 3),
        change(state("A1", "held", "h1", "ann", 9), state("A1", "sold"), 4),
    ]

    first, second = coalesce(batch)

    assert (first.screening_id, first.statuses, first.last_record_id) == (
        "scr_1",
        {"A1": "sold", "A2": "held"},
        "4".zfill(40),
    )
    assert (second.screening_id, second.statuses) == ("scr_2", {"B1": "held"})


def test_a_seat_that_ends_where_it_began_is_left_out_but_a_hold_taken_over_is_told():
    batch = [
        change(state("A1"), state("A1", "held", "h1", "ann", 9), 1),
        change(state("A1", "held", "h1", "ann", 9), state("A1"), 2),  # held and released: nothing to say
        change(state("A2", "held", "h1", "ann", 9), state("A2", "held", "h1", "ann", 20), 3),  # extended
        change(state("A3", "held", "old", "ann", 1), state("A3", "held", "h9", "bob", 30), 4),  # expired, taken
    ]

    [screening] = coalesce(batch)

    assert screening.statuses == {"A3": "held"}


def test_holds_taken_and_freed_are_named_for_their_holders():
    batch = [
        change(state("A1", "held", "h1", "ann", 9), state("A1", "held", "h2", "ann", 19), 1),  # replaced, kept
        change(state("A2"), state("A2", "held", "h2", "ann", 19), 2),
        change(state("A3", "held", "h1", "ann", 9), state("A3"), 3),  # dropped by the replacement
        change(state("A4", "held", "h5", "cy", 9), state("A4", "sold"), 4),  # sold: not freed
    ]

    [screening] = coalesce(batch)

    assert screening.taken == (HoldSeats("scr_1", "h2", "ann", ("A1", "A2")),)
    assert screening.freed == (HoldSeats("scr_1", "h1", "ann", ("A1", "A3")),)


def test_each_new_expiry_is_nudged_once_and_an_unchanged_one_not_at_all():
    batch = [
        change(state("A1"), state("A1", "held", "h1", "ann", 9), 1),
        change(state("A2"), state("A2", "held", "h1", "ann", 9), 2),
        change(state("A3", "held", "h3", "bo", 5), state("A3", "held", "h3", "bo", 50), 3),  # extension
        change(state("A4", "held", "h4", "cy", 5), state("A4", "held", "h4", "cy", 5), 4),  # no new expiry
        change(state("A5", "held", "h5", "di", 5), state("A5"), 5),
    ]

    assert expiries(batch) == [HoldExpiry("scr_1", "h1", 9), HoldExpiry("scr_1", "h3", 50)]
