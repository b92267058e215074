"""The hold cooldown, the past-due release and retried writes, from the fake and DynamoDB alike.

Cases that make `not_cooling_down_for`, `hold_is_past_due` and the ClientRequestToken of release and extend fail.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.errors import HoldCooldown, HoldExpired, SeatsUnavailable
from tests.contract.booking.conftest import COOLDOWN_SECONDS, NOW, SCREENING, a_hold, statuses


def at(seconds: float):
    return NOW + timedelta(seconds=seconds)


def versions(inventory) -> dict[str, int]:
    return {seat.seat_id: seat.version for seat in inventory.seat_states(SCREENING)}


# The cooldown: a user's lapsed or released hold does not start again at once


def test_not_cooling_down_for_refuses_the_user_the_seats_of_their_hold_that_just_lapsed(inventory):
    inventory.hold(a_hold("alice", ("A1", "A2"), seconds=60), None, NOW)

    with pytest.raises(HoldCooldown) as refused:
        inventory.hold(a_hold("alice", ("A2", "A1"), at=at(61)), None, at(61))

    assert refused.value.seat_ids == ("A2", "A1")
    assert refused.value.retry_after == COOLDOWN_SECONDS - 1
    assert refused.value.code == "hold_cooldown"


def test_someone_else_may_take_the_seats_of_a_lapsed_hold_at_once(inventory):
    inventory.hold(a_hold("alice", ("A1",), seconds=60), None, NOW)
    bob = a_hold("bob", ("A1",), at=at(61))

    inventory.hold(bob, None, at(61))

    assert statuses(inventory)["A1"] == ("held", bob.id)


def test_the_user_may_hold_the_seats_again_once_the_cooldown_has_passed(inventory):
    inventory.hold(a_hold("alice", ("A1",), seconds=60), None, NOW)
    again = a_hold("alice", ("A1",), at=at(60 + COOLDOWN_SECONDS))

    inventory.hold(again, None, at(60 + COOLDOWN_SECONDS))

    assert statuses(inventory)["A1"] == ("held", again.id)


def test_other_seats_are_holdable_during_the_cooldown(inventory):
    inventory.hold(a_hold("alice", ("A1",), seconds=60), None, NOW)
    other = a_hold("alice", ("A3",), at=at(61))

    inventory.hold(other, None, at(61))

    assert statuses(inventory)["A3"] == ("held", other.id)


def test_a_released_hold_cools_down_from_the_moment_it_was_released(inventory):
    hold = a_hold("alice", ("A1",), seconds=600)
    inventory.hold(hold, None, NOW)
    inventory.release(hold, "released", at(10))

    with pytest.raises(HoldCooldown) as refused:
        inventory.hold(a_hold("alice", ("A1",), at=at(11)), None, at(11))
    inventory.hold(a_hold("alice", ("A1",), at=at(10 + COOLDOWN_SECONDS)), None, at(10 + COOLDOWN_SECONDS))

    assert refused.value.retry_after == COOLDOWN_SECONDS - 1


def test_an_extended_hold_cools_down_from_its_new_expiry(inventory):
    hold = a_hold("alice", ("A1",), seconds=60)
    inventory.hold(hold, None, NOW)
    inventory.extend(hold, at(90), at(30))

    with pytest.raises(HoldCooldown):
        inventory.hold(a_hold("alice", ("A1",), at=at(89 + COOLDOWN_SECONDS)), None, at(89 + COOLDOWN_SECONDS))


def test_replacing_a_lapsed_hold_starts_a_new_chain_and_its_kept_seats_cool_down(inventory):
    old = a_hold("alice", ("A1", "A2"), seconds=60)
    inventory.hold(old, None, NOW)

    with pytest.raises(HoldCooldown) as refused:
        inventory.hold(a_hold("alice", ("A1", "A3"), at=at(61)), old, at(61))

    assert refused.value.seat_ids == ("A1",)
    assert statuses(inventory)["A3"] == ("available", None)


def test_a_running_chain_keeps_its_seats_and_may_pick_a_dropped_seat_again(inventory):
    first = a_hold("alice", ("A1", "A2"), seconds=600)
    inventory.hold(first, None, NOW)
    second = a_hold("alice", ("A2",), at=at(5), started_at=NOW)
    inventory.hold(second, first, at(5))
    third = a_hold("alice", ("A1", "A2"), at=at(10), started_at=NOW)

    inventory.hold(third, second, at(10))

    assert statuses(inventory)["A1"] == ("held", third.id)
    assert statuses(inventory)["A2"] == ("held", third.id)


def test_a_seat_someone_else_holds_is_unavailable_rather_than_cooling(inventory):
    inventory.hold(a_hold("alice", ("A1", "A2"), seconds=60), None, NOW)
    inventory.hold(a_hold("bob", ("A2",), at=at(61)), None, at(61))

    with pytest.raises(SeatsUnavailable) as refused:
        inventory.hold(a_hold("alice", ("A1", "A2"), at=at(62)), None, at(62))

    assert refused.value.seat_ids == ("A2",)


# An expiry-driven release ends only a hold that is past due


def test_hold_is_past_due_keeps_a_release_delayed_past_an_extension_from_ending_the_hold(inventory):
    hold = a_hold("alice", ("A1", "A2"), seconds=60)
    inventory.hold(hold, None, NOW)
    read_by_the_sweeper = inventory.get(hold.id)  # due at NOW + 60 as far as this copy tells
    inventory.extend(hold, at(120), at(50))

    released = inventory.release(read_by_the_sweeper, "expired", at(61))

    assert released == ()
    assert inventory.get(hold.id).status == "active"
    assert statuses(inventory)["A1"] == ("held", hold.id)
    assert inventory.current_hold_id("alice", SCREENING) == hold.id


def test_an_expiry_release_of_a_hold_past_due_frees_its_seats(inventory):
    hold = a_hold("alice", ("A1",), seconds=60)
    inventory.hold(hold, None, NOW)

    assert inventory.release(hold, "expired", at(60)) == ("A1",)
    assert inventory.get(hold.id).status == "expired"


def test_a_user_may_release_a_hold_before_it_is_due(inventory):
    hold = a_hold("alice", ("A1",), seconds=60)
    inventory.hold(hold, None, NOW)

    assert inventory.release(hold, "released", at(1)) == ("A1",)


# A retried release or extension (same ClientRequestToken) is answered as the first, with no second effect


def test_a_release_retried_with_its_token_gets_the_same_answer_and_frees_once(inventory):
    hold = a_hold("alice", ("A1", "A2"))
    inventory.hold(hold, None, NOW)
    before = versions(inventory)

    first = inventory.release(hold, "released", at(5), request_token="release-of-alice-1")
    retried = inventory.release(hold, "released", at(5), request_token="release-of-alice-1")

    assert sorted(first) == sorted(retried) == ["A1", "A2"]
    assert versions(inventory)["A1"] == before["A1"] + 1
    assert inventory.get(hold.id).ended_at == at(5)


def test_a_release_without_the_token_again_is_harmless_but_says_nothing_was_freed(inventory):
    hold = a_hold("alice", ("A1",))
    inventory.hold(hold, None, NOW)

    inventory.release(hold, "released", at(5), request_token="release-of-alice-2")

    assert inventory.release(hold, "released", at(5), request_token="another-call") == ()


def test_an_extension_retried_with_its_token_gets_the_same_hold_and_moves_once(inventory):
    hold = a_hold("alice", ("A1",), seconds=60)
    inventory.hold(hold, None, NOW)
    before = versions(inventory)

    first = inventory.extend(hold, at(120), at(30), request_token="extend-of-alice-1")
    retried = inventory.extend(hold, at(120), at(30), request_token="extend-of-alice-1")

    assert first == retried == replace(hold, expires_at=at(120), extended=True)
    assert versions(inventory)["A1"] == before["A1"] + 1
    with pytest.raises(HoldExpired):  # a second extension, as a new call, is still refused
        inventory.extend(hold, at(150), at(31), request_token="extend-of-alice-2")
