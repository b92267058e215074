"""What every seat inventory guarantees. Each condition of the DynamoDB adapter has a case here that makes it fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.clock import epoch_ms
from chalicelib.domain.errors import Conflict, HoldExpired
from chalicelib.domain.reservations import Reservation
from chalicelib.services.booking_ports import ActiveHoldExists, SeatsTaken
from tests.contract.booking.conftest import SCREENING

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
_counter = iter(range(10_000))


def a_hold(
    user: str, seats: tuple[str, ...], *, at: datetime = NOW, seconds: int = 600, started_at: datetime | None = None
) -> Reservation:
    return Reservation(
        id=f"rsv_{user}_{next(_counter)}",
        screening_id=SCREENING,
        user_id=user,
        seat_ids=seats,
        prices={seat: 1200 for seat in seats},
        currency="USD",
        status="active",
        created_at=at,
        expires_at=at + timedelta(seconds=seconds),
        started_at=started_at or at,
    )


def statuses(inventory) -> dict[str, tuple[str, str | None]]:
    return {seat.seat_id: (seat.status, seat.hold_id) for seat in inventory.seats(SCREENING)}


def test_a_hold_takes_every_seat_it_asks_for(inventory):
    hold = a_hold("alice", ("A1", "A2"))

    inventory.hold(hold, None, NOW)

    seats = statuses(inventory)
    assert seats["A1"] == ("held", hold.id) and seats["A2"] == ("held", hold.id)
    assert inventory.get(hold.id).status == "active"
    assert inventory.current_hold_id("alice", SCREENING) == hold.id


def test_seat_is_free_fails_for_a_seat_under_a_running_hold_and_nothing_is_written(inventory):
    alice = a_hold("alice", ("A2",))
    inventory.hold(alice, None, NOW)
    bob = a_hold("bob", ("A1", "A2", "A3"))

    with pytest.raises(SeatsTaken) as lost:
        inventory.hold(bob, None, NOW + timedelta(seconds=1))

    assert lost.value.seat_ids == ("A2",)
    seats = statuses(inventory)
    assert seats["A1"][0] == "available" and seats["A3"][0] == "available"
    assert inventory.get(bob.id) is None
    assert inventory.current_hold_id("bob", SCREENING) is None


def test_seat_is_free_holds_for_a_seat_whose_hold_has_expired(inventory):
    inventory.hold(a_hold("alice", ("A1",), seconds=60), None, NOW)
    bob = a_hold("bob", ("A1",), at=NOW + timedelta(seconds=60))

    inventory.hold(bob, None, NOW + timedelta(seconds=60))

    assert statuses(inventory)["A1"] == ("held", bob.id)


def test_a_blocked_seat_is_never_held(inventory):
    with pytest.raises(SeatsTaken) as lost:
        inventory.hold(a_hold("alice", ("C1", "C2")), None, NOW)

    assert lost.value.seat_ids == ("C1",)


def test_no_active_hold_refuses_a_second_hold_for_the_same_screening(inventory):
    first = a_hold("alice", ("A1",))
    inventory.hold(first, None, NOW)

    with pytest.raises(ActiveHoldExists) as busy:
        inventory.hold(a_hold("alice", ("B1",)), None, NOW)

    assert busy.value.hold_id == first.id
    assert (busy.value.current.id, busy.value.current.seat_ids) == (first.id, ("A1",))
    assert busy.value.current.started_at == first.started_at
    assert statuses(inventory)["B1"][0] == "available"


def test_no_active_hold_lets_a_user_hold_again_once_the_previous_hold_expired(inventory):
    inventory.hold(a_hold("alice", ("A1",), seconds=60), None, NOW)
    later = NOW + timedelta(seconds=61)
    again = a_hold("alice", ("B1",), at=later)

    inventory.hold(again, None, later)

    assert inventory.current_hold_id("alice", SCREENING) == again.id


def test_reservation_is_new_refuses_a_reused_reservation_id(inventory):
    hold = a_hold("alice", ("A1",))
    inventory.hold(hold, None, NOW)
    inventory.release(hold, "released", NOW)

    with pytest.raises(Conflict) as refused:
        inventory.hold(hold, None, NOW)

    assert refused.value.code == "reservation_exists"


def test_a_replacement_keeps_shared_seats_frees_the_rest_and_ends_the_old_hold(inventory):
    old = a_hold("alice", ("A1", "A2"))
    inventory.hold(old, None, NOW)
    new = a_hold("alice", ("A2", "A3"), started_at=NOW)

    inventory.hold(new, old, NOW + timedelta(seconds=5))

    seats = statuses(inventory)
    assert seats["A1"] == ("available", None)
    assert seats["A2"] == ("held", new.id) and seats["A3"] == ("held", new.id)
    assert inventory.get(old.id).status == "replaced"
    assert inventory.current_hold_id("alice", SCREENING) == new.id


def test_holder_is_refuses_to_replace_a_hold_that_is_no_longer_the_users_current_one(inventory):
    old = a_hold("alice", ("A1",))
    inventory.hold(old, None, NOW)
    current = a_hold("alice", ("A2",))
    inventory.hold(current, old, NOW)

    with pytest.raises(ActiveHoldExists) as busy:
        inventory.hold(a_hold("alice", ("A3",)), old, NOW)

    assert busy.value.hold_id == current.id


def test_reservation_is_active_refuses_to_replace_a_hold_released_meanwhile(inventory):
    old = a_hold("alice", ("A1",))
    inventory.hold(old, None, NOW)
    stale_copy = old
    inventory.release(old, "released", NOW)
    inventory.hold(a_hold("bob", ("B6",)), None, NOW)  # unrelated traffic

    with pytest.raises(ActiveHoldExists):
        inventory.hold(a_hold("alice", ("A1", "A2")), stale_copy, NOW)


def test_held_by_refuses_to_keep_a_seat_someone_took_after_the_old_hold_expired(inventory):
    old = a_hold("alice", ("A1", "A2"), seconds=60)
    inventory.hold(old, None, NOW)
    later = NOW + timedelta(seconds=61)
    inventory.hold(a_hold("bob", ("A2",), at=later), None, later)

    with pytest.raises(SeatsTaken) as lost:
        inventory.hold(a_hold("alice", ("A2", "A3"), at=later), old, later)

    assert lost.value.seat_ids == ("A2",)


def test_a_replacement_leaves_alone_a_dropped_seat_someone_took_after_the_old_hold_expired(inventory):
    old = a_hold("alice", ("A1", "A2"), seconds=60)
    inventory.hold(old, None, NOW)
    later = NOW + timedelta(seconds=61)
    bob = a_hold("bob", ("A1",), at=later)
    inventory.hold(bob, None, later)
    new = a_hold("alice", ("B1",), at=later)

    inventory.hold(new, old, later)

    seats = statuses(inventory)
    assert seats["A1"] == ("held", bob.id)
    assert seats["A2"] == ("available", None)
    assert seats["B1"] == ("held", new.id)


def test_release_frees_the_seats_and_releasing_twice_is_harmless(inventory):
    hold = a_hold("alice", ("A1", "A2"))
    inventory.hold(hold, None, NOW)

    first = inventory.release(hold, "released", NOW)
    second = inventory.release(hold, "released", NOW)

    assert sorted(first) == ["A1", "A2"] and second == ()
    assert statuses(inventory)["A1"] == ("available", None)
    assert inventory.get(hold.id).status == "released"
    assert inventory.current_hold_id("alice", SCREENING) is None


def test_releasing_an_expired_hold_leaves_alone_the_seats_others_took_since(inventory):
    old = a_hold("alice", ("A1", "A2"), seconds=60)
    inventory.hold(old, None, NOW)
    later = NOW + timedelta(seconds=61)
    bob = a_hold("bob", ("A1",), at=later)
    inventory.hold(bob, None, later)

    released = inventory.release(old, "expired", later)

    assert released == ("A2",)
    assert statuses(inventory)["A1"] == ("held", bob.id)
    assert inventory.get(old.id).status == "expired"


def test_extend_moves_the_expiry_of_the_hold_and_of_its_seats(inventory):
    hold = a_hold("alice", ("A1",), seconds=600)
    inventory.hold(hold, None, NOW)
    new_expiry = hold.expires_at + timedelta(seconds=300)

    extended = inventory.extend(hold, new_expiry, NOW + timedelta(seconds=10))

    assert extended.expires_at == new_expiry and extended.extended
    stored = inventory.get(hold.id)
    assert stored.expires_at == new_expiry and stored.extended
    # the seat is still held one second before the new expiry
    late = new_expiry - timedelta(seconds=1)
    with pytest.raises(SeatsTaken):
        inventory.hold(a_hold("bob", ("A1",), at=late), None, late)


def test_extend_refuses_a_hold_that_has_expired(inventory):
    hold = a_hold("alice", ("A1",), seconds=60)
    inventory.hold(hold, None, NOW)

    with pytest.raises(HoldExpired):
        inventory.extend(hold, NOW + timedelta(seconds=300), NOW + timedelta(seconds=61))


def test_extend_refuses_a_second_extension(inventory):
    hold = a_hold("alice", ("A1",), seconds=600)
    inventory.hold(hold, None, NOW)
    inventory.extend(hold, hold.expires_at + timedelta(seconds=60), NOW)

    with pytest.raises(HoldExpired):
        inventory.extend(hold, hold.expires_at + timedelta(seconds=120), NOW)


def test_due_for_expiry_lists_only_active_holds_past_their_expiry(inventory):
    short = a_hold("alice", ("A1",), seconds=60)
    long = a_hold("bob", ("A2",), seconds=600)
    ended = a_hold("carol", ("A3",), seconds=60)
    for hold in (short, long, ended):
        inventory.hold(hold, None, NOW)
    inventory.release(ended, "released", NOW)

    due = inventory.due_for_expiry(NOW + timedelta(seconds=61))

    assert due == [short.id]


def test_for_user_lists_the_users_reservations_newest_first(inventory):
    first = a_hold("alice", ("A1",))
    inventory.hold(first, None, NOW)
    inventory.release(first, "released", NOW)
    second = a_hold("alice", ("A2",), at=NOW + timedelta(seconds=5))
    inventory.hold(second, None, NOW + timedelta(seconds=5))
    inventory.hold(a_hold("bob", ("A3",)), None, NOW)

    assert [r.id for r in inventory.for_user("alice")] == [second.id, first.id]


def test_statuses_tell_the_changing_part_of_every_seat(inventory, layout):
    hold = a_hold("alice", ("A1",))
    inventory.hold(hold, None, NOW)

    rows = {row.seat_id: row for row in inventory.statuses(SCREENING)}

    assert set(rows) == {seat.id for seat in layout.seats}
    assert (rows["A1"].status, rows["A1"].expires_at_ms, rows["A1"].version) == ("held", epoch_ms(hold.expires_at), 1)
    assert (rows["A2"].status, rows["A2"].expires_at_ms) == ("available", None)
    assert rows["C1"].status == "blocked"
