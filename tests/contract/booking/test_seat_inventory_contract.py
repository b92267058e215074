"""What every seat inventory guarantees. Each condition of the DynamoDB adapter has a case here that makes it fail."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.clock import epoch_ms
from chalicelib.domain.errors import Conflict, HoldChanged, HoldExpired, InvalidRequest, SeatsUnavailable
from chalicelib.domain.holds import count_available
from tests.contract.booking.conftest import NOW, SCREENING, a_hold, statuses

# A screening's seats


def test_a_new_screening_has_every_layout_seat_available_or_blocked_and_unheld(empty_inventory, layout):
    empty_inventory.add_screening("scr_new", layout.seats)

    states = {state.seat_id: state for state in empty_inventory.seat_states("scr_new")}

    assert set(states) == {seat.id for seat in layout.seats}
    assert {seat_id for seat_id, state in states.items() if state.status == "blocked"} == {"C1"}
    assert all(state.status in ("available", "blocked") for state in states.values())
    assert all(
        (state.hold_id, state.holder_id, state.expires_at_ms, state.version) == (None, None, None, 0)
        for state in states.values()
    )
    assert count_available(states.values(), epoch_ms(NOW)) == layout.seats_total - 1


def test_screenings_keep_their_seats_apart(inventory, layout):
    inventory.add_screening("scr_other", layout.seats)
    inventory.hold(a_hold("alice", ("A1",)), None, NOW)

    assert {state.seat_id: state.status for state in inventory.seat_states("scr_other")}["A1"] == "available"


def test_removing_a_refused_screening_leaves_no_seat_of_it_and_keeps_the_others(inventory, layout):
    inventory.add_screening("scr_refused", layout.seats)

    inventory.remove_screening("scr_refused", [seat.id for seat in layout.seats])

    assert inventory.seat_states("scr_refused") == []
    assert len(inventory.seat_states(SCREENING)) == layout.seats_total


def test_a_screening_with_no_seats_stored_has_no_states(empty_inventory):
    assert empty_inventory.seat_states("scr_unknown") == []


def test_the_available_count_counts_a_seat_whose_hold_has_expired(inventory, layout):
    inventory.hold(a_hold("alice", ("A1",), seconds=60), None, NOW)
    inventory.hold(a_hold("bob", ("A2",), seconds=600), None, NOW)

    later = epoch_ms(NOW + timedelta(seconds=61))

    assert count_available(inventory.seat_states(SCREENING), later) == layout.seats_total - 2


# Holds


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

    with pytest.raises(SeatsUnavailable) as lost:
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
    with pytest.raises(SeatsUnavailable) as lost:
        inventory.hold(a_hold("alice", ("C1", "C2")), None, NOW)

    assert lost.value.seat_ids == ("C1",)


def test_no_active_hold_refuses_a_second_hold_for_the_same_screening(inventory):
    first = a_hold("alice", ("A1",))
    inventory.hold(first, None, NOW)

    with pytest.raises(HoldChanged) as busy:
        inventory.hold(a_hold("alice", ("B1",)), None, NOW)

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
        inventory.hold(replace(hold, seat_ids=("A2",)), None, NOW)

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

    with pytest.raises(HoldChanged) as busy:
        inventory.hold(a_hold("alice", ("A3",)), old, NOW)

    assert busy.value.current.id == current.id


def test_reservation_is_active_refuses_to_replace_a_hold_released_meanwhile(inventory):
    old = a_hold("alice", ("A1",))
    inventory.hold(old, None, NOW)
    stale_copy = old
    inventory.release(old, "released", NOW)
    inventory.hold(a_hold("bob", ("B6",)), None, NOW)  # unrelated traffic

    with pytest.raises(HoldChanged):
        inventory.hold(a_hold("alice", ("A1", "A2")), stale_copy, NOW)


def test_held_by_refuses_to_keep_a_seat_someone_took_after_the_old_hold_expired(inventory):
    old = a_hold("alice", ("A1", "A2"), seconds=60)
    inventory.hold(old, None, NOW)
    later = NOW + timedelta(seconds=61)
    inventory.hold(a_hold("bob", ("A2",), at=later), None, later)

    with pytest.raises(SeatsUnavailable) as lost:
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
    with pytest.raises(SeatsUnavailable):
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


def test_still_held_by_refuses_to_extend_a_seat_the_hold_does_not_have_and_nothing_moves(inventory):
    """Only the seat's condition fails: the reservation is active and unextended, the holder is this hold."""
    alice = a_hold("alice", ("A1",), seconds=600)
    inventory.hold(alice, None, NOW)
    bob = a_hold("bob", ("A2",), seconds=600)
    inventory.hold(bob, None, NOW)
    claims_too_much = replace(alice, seat_ids=("A1", "A2"))

    with pytest.raises(HoldExpired):
        inventory.extend(claims_too_much, alice.expires_at + timedelta(seconds=300), NOW)

    assert not inventory.get(alice.id).extended
    rows = {row.seat_id: row for row in inventory.seat_states(SCREENING)}
    assert rows["A1"].expires_at_ms == epoch_ms(alice.expires_at)
    assert (rows["A2"].hold_id, rows["A2"].expires_at_ms) == (bob.id, epoch_ms(bob.expires_at))


def test_holder_is_refuses_to_extend_when_the_holder_does_not_hold_it_and_nothing_moves(inventory):
    """Only the holder's condition fails: the seats and the reservation are this hold's and running."""
    hold = a_hold("alice", ("A1",), seconds=600)
    inventory.hold(hold, None, NOW)
    someone_else = replace(hold, user_id="mallory")

    with pytest.raises(HoldExpired):
        inventory.extend(someone_else, hold.expires_at + timedelta(seconds=300), NOW)

    assert not inventory.get(hold.id).extended
    assert inventory.current_hold_id("mallory", SCREENING) is None
    assert {row.seat_id: row.expires_at_ms for row in inventory.seat_states(SCREENING)}["A1"] == epoch_ms(
        hold.expires_at
    )


def test_reservation_is_extendable_refuses_a_hold_released_meanwhile(inventory):
    hold = a_hold("alice", ("A1",), seconds=600)
    inventory.hold(hold, None, NOW)
    inventory.release(hold, "released", NOW)

    with pytest.raises(HoldExpired):
        inventory.extend(hold, hold.expires_at + timedelta(seconds=300), NOW)

    assert inventory.get(hold.id).status == "released" and not inventory.get(hold.id).extended
    assert statuses(inventory)["A1"] == ("available", None)


def test_due_for_expiry_lists_only_active_holds_past_their_expiry(inventory):
    short = a_hold("alice", ("A1",), seconds=60)
    long = a_hold("bob", ("A2",), seconds=600)
    ended = a_hold("carol", ("A3",), seconds=60)
    for hold in (short, long, ended):
        inventory.hold(hold, None, NOW)
    inventory.release(ended, "released", NOW)

    due = inventory.due_for_expiry(NOW + timedelta(seconds=61))

    assert due == [short.id]


def test_for_user_lists_the_users_reservations_newest_first_by_pages(inventory):
    first = a_hold("alice", ("A1",))
    inventory.hold(first, None, NOW)
    inventory.release(first, "released", NOW)
    second = a_hold("alice", ("A2",), at=NOW + timedelta(seconds=5))
    inventory.hold(second, None, NOW + timedelta(seconds=5))
    inventory.hold(a_hold("bob", ("A3",)), None, NOW)

    first_page = inventory.for_user("alice", 1, None)
    last_page = inventory.for_user("alice", 1, first_page.next_cursor)

    assert [r.id for r in first_page.items + last_page.items] == [second.id, first.id]
    assert last_page.next_cursor is None
    with pytest.raises(InvalidRequest) as refused:
        inventory.for_user("bob", 1, first_page.next_cursor)  # a cursor of alice's list
    assert refused.value.code == "invalid_cursor"


def test_seat_states_tell_the_changing_part_of_every_seat(inventory, layout):
    hold = a_hold("alice", ("A1",))
    inventory.hold(hold, None, NOW)

    rows = {row.seat_id: row for row in inventory.seat_states(SCREENING)}

    assert set(rows) == {seat.id for seat in layout.seats}
    assert (rows["A1"].status, rows["A1"].expires_at_ms, rows["A1"].version) == ("held", epoch_ms(hold.expires_at), 1)
    assert (rows["A1"].hold_id, rows["A1"].holder_id) == (hold.id, "alice")
    assert (rows["A2"].status, rows["A2"].expires_at_ms) == ("available", None)
    assert rows["C1"].status == "blocked"
