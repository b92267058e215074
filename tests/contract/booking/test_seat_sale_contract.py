"""Selling seats and putting them back on sale: what every seat inventory guarantees (fake and DynamoDB alike).

Each named condition of the sale (`still_held_by`, `reservation_is_active`, `holder_is`) and of the return
(`sold_by`) has a case here that makes it fail.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import Conflict, HoldExpired, SeatsUnavailable
from tests.contract.booking.conftest import NOW, SCREENING, a_hold, statuses


def test_selling_a_running_hold_makes_its_seats_sold_and_the_reservation_paid(inventory):
    hold = a_hold("alice", ("A1", "A2"))
    inventory.hold(hold, None, NOW)

    inventory.sell(hold, NOW + timedelta(seconds=30))

    seats = statuses(inventory)
    assert seats["A1"] == ("sold", hold.id) and seats["A2"] == ("sold", hold.id)
    assert inventory.get(hold.id).status == "paid"
    assert inventory.current_hold_id("alice", SCREENING) is None  # the user may hold again at once


def test_still_held_by_fails_once_the_hold_has_expired_and_nothing_is_sold(inventory):
    hold = a_hold("alice", ("A1", "A2"), seconds=60)
    inventory.hold(hold, None, NOW)

    with pytest.raises(HoldExpired):
        inventory.sell(hold, NOW + timedelta(seconds=61))

    assert statuses(inventory)["A1"] == ("held", hold.id)
    assert inventory.get(hold.id).status == "active"


def test_still_held_by_fails_when_another_took_a_lapsed_seat(inventory):
    hold = a_hold("alice", ("A1", "A2"), seconds=60)
    inventory.hold(hold, None, NOW)
    bob = a_hold("bob", ("A2",), at=NOW + timedelta(seconds=61))
    inventory.hold(bob, None, NOW + timedelta(seconds=61))

    with pytest.raises(HoldExpired):
        inventory.sell(hold, NOW + timedelta(seconds=30))  # a clock that is behind cannot sell Bob's seat

    assert statuses(inventory)["A2"] == ("held", bob.id)
    assert statuses(inventory)["A1"] == ("held", hold.id)


def test_reservation_is_active_fails_for_a_released_hold(inventory):
    hold = a_hold("alice", ("A1",))
    inventory.hold(hold, None, NOW)
    inventory.release(hold, "released", NOW)

    with pytest.raises(HoldExpired):
        inventory.sell(hold, NOW)

    assert statuses(inventory)["A1"][0] == "available"


def test_a_hold_cannot_be_sold_twice(inventory):
    hold = a_hold("alice", ("A1",))
    inventory.hold(hold, None, NOW)
    inventory.sell(hold, NOW)

    with pytest.raises(HoldExpired):
        inventory.sell(hold, NOW)


def test_holder_is_fails_when_the_users_current_hold_is_another(inventory):
    old = a_hold("alice", ("A1",))
    inventory.hold(old, None, NOW)
    new = a_hold("alice", ("A1", "A2"))
    inventory.hold(new, old, NOW)

    with pytest.raises(HoldExpired):
        inventory.sell(old, NOW)  # the replaced hold is no longer the user's: its seats are the new one's

    assert statuses(inventory)["A1"] == ("held", new.id)


def test_a_sold_seat_is_never_freed_by_release_expiry_or_replacement_and_never_free_to_hold(inventory):
    hold = a_hold("alice", ("A1", "A2"), seconds=60)
    inventory.hold(hold, None, NOW)
    inventory.sell(hold, NOW)
    later = NOW + timedelta(hours=1)

    assert inventory.release(hold, "expired", later) == ()
    replacement = a_hold("alice", ("A3",), at=later)
    inventory.hold(replacement, None, later)
    with pytest.raises(SeatsUnavailable):
        inventory.hold(a_hold("bob", ("A1",), at=later), None, later)

    assert statuses(inventory)["A1"] == ("sold", hold.id)
    assert [state.status_at(0) for state in inventory.seat_states(SCREENING) if state.seat_id == "A1"] == ["sold"]


def test_a_returned_seat_is_available_again_and_can_be_held_and_sold_to_someone_else(inventory):
    hold = a_hold("alice", ("A1", "A2"))
    inventory.hold(hold, None, NOW)
    inventory.sell(hold, NOW)

    inventory.return_to_sale(SCREENING, "A1", hold.id)

    assert statuses(inventory)["A1"] == ("available", None)
    assert statuses(inventory)["A2"] == ("sold", hold.id)
    bob = a_hold("bob", ("A1",))
    inventory.hold(bob, None, NOW)
    inventory.sell(bob, NOW)
    assert statuses(inventory)["A1"] == ("sold", bob.id)


def test_sold_by_fails_for_a_seat_that_another_reservation_sold_or_that_is_not_sold(inventory):
    hold = a_hold("alice", ("A1",))
    inventory.hold(hold, None, NOW)

    with pytest.raises(Conflict) as held_only:
        inventory.return_to_sale(SCREENING, "A1", hold.id)
    inventory.sell(hold, NOW)
    with pytest.raises(Conflict) as someone_elses:
        inventory.return_to_sale(SCREENING, "A1", "rsv_other")

    assert held_only.value.code == someone_elses.value.code == "seat_not_sold"
    assert statuses(inventory)["A1"] == ("sold", hold.id)
