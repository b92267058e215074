"""The surge line's pure rules: request ids, positions, judging a batch in arrival order, metering attempts."""

from __future__ import annotations

from chalicelib.domain.holds import SeatState
from chalicelib.domain.surge import (
    BatchMap,
    RateMeter,
    SeatRequest,
    hold_id_for,
    position,
    request_id_for,
)

NOW = 1_000_000
WAIT = 120_000


def a_request(user: str, *seats: str, at: int = NOW, n: int = 0) -> SeatRequest:
    return SeatRequest(request_id_for(user, "scr", seats, at + n), "scr", user, seats, at, 1)


def seats(*states: SeatState) -> BatchMap:
    return BatchMap(states, NOW)


def free(*ids: str) -> list[SeatState]:
    return [SeatState(seat, "available") for seat in ids]


def test_a_double_click_is_the_same_request_and_another_choice_is_not():
    first = request_id_for("alice", "scr", ["A1", "A2"], 10_000)

    assert request_id_for("alice", "scr", ["A2", "A1"], 10_900) == first
    assert request_id_for("alice", "scr", ["A1"], 10_900) != first
    assert request_id_for("bob", "scr", ["A1", "A2"], 10_900) != first
    assert request_id_for("alice", "scr", ["A1", "A2"], 20_000) != first  # a later window: a new request


def test_the_hold_of_a_request_has_an_id_derived_from_it():
    assert hold_id_for("req_abc") == "rsv_qabc"


def test_a_position_counts_this_request_and_never_falls_below_one():
    assert position(arrival=10, decided=4) == 6
    assert position(arrival=3, decided=7) == 1


def test_the_first_to_ask_for_a_free_seat_wins_and_the_next_is_told_which_seat_is_taken():
    line = seats(*free("A1", "A2", "A3"))
    alice, bob = a_request("alice", "A1", "A2"), a_request("bob", "A2", "A3")

    assert line.judge(alice, NOW, WAIT).outcome == "win"
    line.took(alice)
    verdict = line.judge(bob, NOW, WAIT)

    assert verdict.outcome == "taken" and verdict.taken == ("A2",)


def test_a_winner_replaces_its_own_earlier_hold_and_frees_what_it_no_longer_asks_for():
    line = seats(*free("A1", "A2"))
    first, second, carol = a_request("alice", "A1"), a_request("alice", "A2", n=1), a_request("carol", "A1")
    line.took(first)

    line.took(second)

    assert line.judge(carol, NOW, WAIT).outcome == "win"


def test_seats_held_by_the_requester_count_as_free_for_the_requester():
    line = seats(SeatState("A1", "held", "rsv_1", "alice", NOW + 60_000), *free("A2"))

    assert line.judge(a_request("alice", "A1", "A2"), NOW, WAIT).outcome == "win"
    assert line.judge(a_request("bob", "A1"), NOW, WAIT).taken == ("A1",)


def test_a_hold_that_expired_is_free():
    line = seats(SeatState("A1", "held", "rsv_1", "alice", NOW - 1))

    assert line.judge(a_request("bob", "A1"), NOW, WAIT).outcome == "win"


def test_with_no_free_seat_the_line_is_sold_out():
    line = seats(SeatState("A1", "sold"), SeatState("A2", "blocked"))

    assert line.judge(a_request("bob", "A1"), NOW, WAIT).outcome == "sold_out"


def test_a_request_that_waited_too_long_expires_whatever_the_seats():
    line = seats(*free("A1"))

    assert line.judge(a_request("bob", "A1", at=NOW - WAIT - 1), NOW, WAIT).outcome == "expired"


def test_a_second_delivery_finds_the_hold_the_first_made():
    request = a_request("alice", "A1")
    line = seats(SeatState("A1", "held", request.hold_id, "alice", NOW + 60_000))

    assert line.judge(request, NOW, WAIT).outcome == "win"


def test_a_refused_write_makes_its_seats_taken_for_the_rest_of_the_batch():
    line = seats(*free("A1", "A2"))

    line.lost(["A1"])

    assert line.judge(a_request("bob", "A1"), NOW, WAIT).taken == ("A1",)
    assert line.free_count == 1


def test_the_meter_adds_to_the_store_once_a_second_or_when_this_instance_alone_passes_the_rate():
    meter = RateMeter(flush_at=4)

    assert [meter.record("scr", 10) for _ in range(3)] == [None, None, None]
    assert meter.record("scr", 11) == (10, 3)
    assert [meter.record("scr", 11) for _ in range(3)] == [None, None, (11, 4)]
    assert meter.record("scr", 12) is None  # nothing left to add for second 11


def test_a_batch_of_queue_updates_is_handed_over_at_once_and_a_failed_send_never_fails_the_batch():
    from chalicelib.adapters.queue_updates import RealtimeQueueUpdates
    from chalicelib.domain.errors import DependencyUnavailable

    handed: list[list[tuple[str, dict]]] = []
    updates = [(user, {"request_id": f"req_{user}"}) for user in ("alice", "bob")]
    RealtimeQueueUpdates(lambda messages: handed.append(list(messages)) or len(messages)).send_all(updates)
    assert handed == [updates]  # one lookup of every requester, not one per request

    def unreachable(messages) -> int:
        raise DependencyUnavailable("websocket_unavailable")

    RealtimeQueueUpdates(unreachable).send_all(updates)  # logged, not raised: the decisions are stored
