"""The booking service's rules, on the in-memory inventory (the same contract as DynamoDB's) and a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import (
    Conflict,
    Forbidden,
    HoldChanged,
    HoldExpired,
    InvalidRequest,
    NotFound,
    SeatsUnavailable,
)
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import parse_layout
from chalicelib.domain.reservations import HoldPolicy, SeatsHeld, SeatsReleased
from chalicelib.services.booking import REFRESH_LOCKS, BookingService
from tests.fakes.booking import InMemorySeatInventory, RecordingPublisher, RecordingScheduler, StaticLayouts
from tests.fakes.clock import FakeClock

SCREENING = "scr_1"
ALICE = Principal("alice")
BOB = Principal("bob")
ADMIN = Principal("root", "admin")

LAYOUT = parse_layout(
    {
        "rows": [
            {
                "label": label,
                "seats": [{"number": n, "category": "standard"} for n in range(1, 11)],
                "aisles_after": [5],
            }
            for label in "ABCDEF"
        ]
        + [{"label": "G", "seats": [{"number": n, "category": "vip"} for n in range(1, 9)]}],
        "prices": {"standard": 1200, "vip": 1800},
    }
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def inventory():
    fake = InMemorySeatInventory()
    fake.add_screening(SCREENING, LAYOUT.seats)
    return fake


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def scheduler():
    return RecordingScheduler()


@pytest.fixture
def booking(inventory, clock, publisher, scheduler):
    layouts = StaticLayouts()
    layouts.add(SCREENING, LAYOUT, clock.now() + timedelta(days=1))
    return BookingService(inventory, layouts, scheduler, publisher, clock, HoldPolicy(600, 300, 900, 10))


def test_a_hold_prices_each_seat_from_the_screening_and_expires_after_the_hold_duration(booking, clock):
    hold = booking.hold_seats(ALICE, SCREENING, ["A1", "G1"])

    assert hold.prices == {"A1": 1200, "G1": 1800}
    assert hold.total_cents == 3000
    assert hold.expires_at == clock.now() + timedelta(seconds=600)


def test_a_seat_held_by_alice_cannot_be_held_by_bob_and_bob_is_offered_alternatives(booking):
    booking.hold_seats(ALICE, SCREENING, ["D5"])

    with pytest.raises(SeatsUnavailable) as failed:
        booking.hold_seats(BOB, SCREENING, ["D4", "D5"])

    assert failed.value.seat_ids == ("D5",)
    alternatives = failed.value.alternatives
    assert alternatives and all(len(a.seat_ids) == 2 and "D5" not in a.seat_ids for a in alternatives)


def test_a_seat_becomes_available_the_moment_its_hold_expires_without_any_release(booking, clock):
    booking.hold_seats(ALICE, SCREENING, ["A1"])
    clock.advance(600)

    hold = booking.hold_seats(BOB, SCREENING, ["A1"])

    assert hold.user_id == "bob"


def test_a_second_hold_for_the_same_screening_replaces_the_first(booking, inventory, publisher):
    first = booking.hold_seats(ALICE, SCREENING, ["A1", "A2"])

    second = booking.hold_seats(ALICE, SCREENING, ["A2", "A3"])

    assert inventory.get(first.id).status == "replaced"
    assert {v.seat.id: v.status for v in booking.seat_map(SCREENING).seats}["A1"] == "available"
    released = [e for e in publisher.events if isinstance(e, SeatsReleased)]
    assert released[-1].seat_ids == ("A1",) and released[-1].reason == "replaced"
    assert second.seat_ids == ("A2", "A3")


def test_replacements_never_push_a_hold_past_the_cap_from_the_first_hold(booking, clock):
    booking.hold_seats(ALICE, SCREENING, ["A1"])
    clock.advance(500)

    replacement = booking.hold_seats(ALICE, SCREENING, ["A2"])

    assert replacement.expires_at == replacement.started_at + timedelta(seconds=900)


@pytest.mark.parametrize(
    ("seat_ids", "code"),
    [
        ([], "validation_error"),
        ([f"A{n}" for n in range(1, 11)] + ["B1"], "too_many_seats"),
        (["A1", "A1"], "duplicate_seats"),
        (["Z99"], "unknown_seat"),
        (["a1"], "unknown_seat"),
    ],
)
def test_a_bad_selection_is_refused_with_a_code_that_names_the_problem(booking, seat_ids, code):
    with pytest.raises(InvalidRequest) as refused:
        booking.hold_seats(ALICE, SCREENING, seat_ids)

    assert refused.value.code == code


def test_a_blocked_seat_is_never_sold(booking, inventory):
    inventory.set_status(SCREENING, "B1", "blocked")

    with pytest.raises(SeatsUnavailable) as failed:
        booking.hold_seats(ALICE, SCREENING, ["B1"])

    assert failed.value.seat_ids == ("B1",)


def test_no_hold_for_a_screening_that_has_started(booking, clock):
    clock.advance(24 * 3600)

    with pytest.raises(Conflict) as refused:
        booking.hold_seats(ALICE, SCREENING, ["A1"])

    assert refused.value.code == "screening_started"


def test_an_unknown_screening_is_not_found(booking):
    with pytest.raises(NotFound) as missing:
        booking.hold_seats(ALICE, "scr_nope", ["A1"])

    assert missing.value.code == "screening_not_found"


def test_only_the_owner_or_an_admin_can_release_and_releasing_twice_is_harmless(booking):
    hold = booking.hold_seats(ALICE, SCREENING, ["A1", "A2"])

    with pytest.raises(NotFound):
        booking.release(BOB, hold.id)
    assert sorted(booking.release(ADMIN, hold.id)) == ["A1", "A2"]
    assert booking.release(ALICE, hold.id) == ()


def test_release_by_user_and_screening_frees_the_users_current_hold(booking):
    booking.hold_seats(ALICE, SCREENING, ["C3"])

    with pytest.raises(Forbidden):
        booking.release_for_screening(BOB, "alice", SCREENING)
    assert booking.release_for_screening(ALICE, "alice", SCREENING) == ("C3",)
    assert booking.release_for_screening(ALICE, "alice", SCREENING) == ()


def test_a_hold_can_be_extended_once_up_to_the_cap(booking, clock):
    hold = booking.hold_seats(ALICE, SCREENING, ["A1"])
    clock.advance(100)

    extended = booking.extend(ALICE, hold.id)

    assert extended.expires_at == hold.created_at + timedelta(seconds=900)
    with pytest.raises(Conflict) as again:
        booking.extend(ALICE, hold.id)
    assert again.value.code == "already_extended"


def test_an_expired_hold_cannot_be_extended(booking, clock):
    hold = booking.hold_seats(ALICE, SCREENING, ["A1"])
    clock.advance(601)

    with pytest.raises(HoldExpired):
        booking.extend(ALICE, hold.id)


def test_expire_releases_a_hold_past_due_once_and_reports_a_running_one(booking, clock, publisher):
    hold = booking.hold_seats(ALICE, SCREENING, ["A1"])

    assert booking.expire(hold.id) == hold  # not yet due: the consumer nudges again
    clock.advance(600)
    assert booking.expire(hold.id) is None
    assert booking.expire(hold.id) is None
    expired = [e for e in publisher.events if isinstance(e, SeatsReleased) and e.reason == "expired"]
    assert len(expired) == 1 and expired[0].seat_ids == ("A1",)


def test_the_sweep_expires_every_hold_past_due(booking, clock, inventory):
    a = booking.hold_seats(ALICE, SCREENING, ["A1"])
    b = booking.hold_seats(BOB, SCREENING, ["A2"])
    clock.advance(601)

    assert booking.sweep() == 2
    assert inventory.get(a.id).status == "expired" and inventory.get(b.id).status == "expired"


def test_every_hold_is_announced_and_its_expiry_is_left_to_the_seat_stream(booking, publisher, scheduler):
    hold = booking.hold_seats(ALICE, SCREENING, ["A1", "A2"])

    assert publisher.events == [SeatsHeld(SCREENING, hold.id, "alice", ("A1", "A2"), hold.expires_at)]
    assert scheduler.scheduled == []  # the hold's one transaction is all the hold path writes


def test_each_expiry_the_seat_stream_reports_is_nudged(booking, scheduler, clock):
    from chalicelib.domain.clock import epoch_ms
    from chalicelib.domain.seat_changes import HoldExpiry

    due = clock.now() + timedelta(seconds=600)

    booking.nudge_expiries(
        [HoldExpiry(SCREENING, "rsv_1", epoch_ms(due)), HoldExpiry(SCREENING, "rsv_2", epoch_ms(due))]
    )

    assert scheduler.scheduled == [("rsv_1", due), ("rsv_2", due)]


def test_the_seat_map_shows_an_expired_hold_as_available(booking, clock):
    booking.hold_seats(ALICE, SCREENING, ["A1"])
    assert {v.seat.id: v.status for v in booking.seat_map(SCREENING).seats}["A1"] == "held"

    clock.advance(600)

    assert {v.seat.id: v.status for v in booking.seat_map(SCREENING).seats}["A1"] == "available"
    assert booking.seat_map(SCREENING).available_count == LAYOUT.seats_total


def test_suggestions_avoid_taken_seats_and_honour_the_category(booking):
    booking.hold_seats(ALICE, SCREENING, ["G4", "G5"])

    suggestions = booking.suggest(SCREENING, 2, category="vip")

    assert suggestions
    for suggestion in suggestions:
        assert all(seat.startswith("G") for seat in suggestion.seat_ids)
        assert not {"G4", "G5"} & set(suggestion.seat_ids)


def test_suggestions_refuse_a_category_the_screening_does_not_have(booking):
    with pytest.raises(InvalidRequest) as refused:
        booking.suggest(SCREENING, 2, category="balcony")

    assert refused.value.code == "unknown_category"


def test_a_seat_a_fresh_seat_map_shows_as_someone_elses_is_refused_without_a_write(booking, inventory, clock):
    """Cheap rejection: the documented price is that a seat freed within that second may be refused once."""
    alice = booking.hold_seats(ALICE, SCREENING, ["E5"])
    with pytest.raises(SeatsUnavailable):
        booking.hold_seats(BOB, SCREENING, ["E5"])  # a loser: the service now has a fresh seat map
    inventory.release(alice, "released", clock.now())  # freed behind the service's back

    with pytest.raises(SeatsUnavailable) as refused:
        booking.hold_seats(Principal("carol"), SCREENING, ["E4", "E5"])
    clock.advance(1.5)
    held = booking.hold_seats(Principal("carol"), SCREENING, ["E4", "E5"])

    assert refused.value.seat_ids == ("E5",)
    assert held.seat_ids == ("E4", "E5")


def test_a_fresh_seat_map_never_refuses_the_users_own_seats(booking):
    booking.hold_seats(ALICE, SCREENING, ["E5"])
    with pytest.raises(SeatsUnavailable):
        booking.hold_seats(BOB, SCREENING, ["E5"])

    replaced = booking.hold_seats(ALICE, SCREENING, ["E5", "E6"])

    assert replaced.seat_ids == ("E5", "E6")


def test_an_instance_that_serves_many_screenings_keeps_a_fixed_number_of_seat_map_locks(clock, publisher, scheduler):
    """A warm Lambda sees screening after screening; what it keeps per screening must not grow with them."""
    inventory, layouts = InMemorySeatInventory(), StaticLayouts()
    booking = BookingService(inventory, layouts, scheduler, publisher, clock, HoldPolicy(600, 300, 900, 10))
    for n in range(REFRESH_LOCKS * 4):
        screening = f"scr_{n}"
        inventory.add_screening(screening, LAYOUT.seats)
        layouts.add(screening, LAYOUT, clock.now() + timedelta(days=1))
        booking.hold_seats(ALICE, screening, ["E5"])
        with pytest.raises(SeatsUnavailable) as lost:  # a loser is offered alternatives from a recent map
            booking.hold_seats(BOB, screening, ["E5"])
        assert lost.value.alternatives

    assert len(booking._refreshing) == REFRESH_LOCKS


class _HoldKeepsChanging(InMemorySeatInventory):
    """The user's hold changes under every replacement: another tab of theirs wins each race."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    def hold(self, new, replacing, now):
        self.attempts += 1
        raise HoldChanged()


def test_a_hold_whose_previous_hold_keeps_changing_gives_up_with_hold_contention(clock, publisher, scheduler):
    inventory = _HoldKeepsChanging()
    inventory.add_screening(SCREENING, LAYOUT.seats)
    layouts = StaticLayouts()
    layouts.add(SCREENING, LAYOUT, clock.now() + timedelta(days=1))
    booking = BookingService(inventory, layouts, scheduler, publisher, clock, HoldPolicy(600, 300, 900, 10))

    with pytest.raises(HoldChanged) as refused:
        booking.hold_seats(ALICE, SCREENING, ["A1"])

    assert refused.value.code == "hold_contention"
    assert inventory.attempts == 3
    assert publisher.events == [] and scheduler.scheduled == []
