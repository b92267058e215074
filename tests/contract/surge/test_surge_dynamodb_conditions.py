"""Every condition of the surge line's storage, each made to fail (chalicelib/adapters/dynamodb/surge.py)."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import DeleteError

from chalicelib.adapters.dynamodb.surge import DynamoLines, DynamoSeatRequests
from chalicelib.domain.errors import Conflict
from chalicelib.domain.surge import Decision, Failure, LineState, SeatRequest

SCREENING = "scr_surge"
PURGE = 2_000_000_000_000


@pytest.fixture
def requests(aws) -> DynamoSeatRequests:
    return DynamoSeatRequests()


@pytest.fixture
def lines(aws) -> DynamoLines:
    return DynamoLines()


def a_request(n: int = 1, user: str = "alice") -> SeatRequest:
    return SeatRequest(f"req_{n:032x}", SCREENING, user, ("A1", "A2"), 1_000 + n, n)


def won(n: int, ordinal: int) -> Decision:
    return Decision(f"req_{n:032x}", "succeeded", ordinal, 5_000, reservation_id=f"rsv_q{n:032x}")


def test_a_request_joins_its_line_once(requests):
    assert requests.add(a_request(1), PURGE) is True

    assert requests.add(a_request(1, user="mallory"), PURGE) is False  # request_is_new refused it
    assert requests.get(a_request(1).request_id).request.user_id == "alice"


def test_decisions_are_recorded_after_the_line_moves_past_them(requests, lines):
    for n in (1, 2):
        requests.add(a_request(n), PURGE)
    lost = Decision(a_request(2).request_id, "failed", 1, 5_000, failure=Failure("sold_out", "Every seat is taken."))

    lines.decide(SCREENING, LineState(), 2, [(a_request(1), won(1, 0)), (a_request(2), lost)], PURGE)

    line, stored = lines.for_batch(SCREENING, [a_request(1).request_id, a_request(2).request_id, "req_unknown"])
    assert stored[a_request(1).request_id].decision == won(1, 0)
    assert stored[a_request(2).request_id].decision == lost
    assert "req_unknown" not in stored
    assert (line.decided, line.last_batch_first, line.last_batch_count) == (2, a_request(1).request_id, 2)


def test_a_line_that_moved_since_it_was_read_refuses_the_batch_and_records_nothing(requests, lines):
    for n in (1, 2):
        requests.add(a_request(n), PURGE)
    seen = lines.state(SCREENING, consistent=True)
    lines.decide(SCREENING, seen, 1, [(a_request(1), won(1, 0))], PURGE)

    with pytest.raises(Conflict) as refused:  # line_is_at(0) fails: the line decided one already
        lines.decide(SCREENING, seen, 1, [(a_request(2), won(2, 0))], PURGE)

    assert refused.value.code == "line_moved"
    assert requests.get(a_request(2).request_id).status == "queued"
    assert lines.state(SCREENING, consistent=True).decided == 1


def test_a_batch_counted_but_not_recorded_is_recognised_by_its_first_request(lines):
    lines.decide(SCREENING, LineState(), 3, [(a_request(1), won(1, 0))], PURGE)
    line = lines.state(SCREENING, consistent=True)

    ids = [a_request(n).request_id for n in (1, 2, 3)]
    assert line.first_ordinal_of(ids) == 0  # the same batch again: the ordinals it had
    assert line.first_ordinal_of([a_request(4).request_id]) == 3  # the next batch


def test_a_surge_is_only_ever_lengthened_until_it_is_ended(lines):
    lines.surge_until(SCREENING, 10_000)

    lines.surge_until(SCREENING, 5_000)  # surge_is_shorter refuses it, quietly
    assert lines.state(SCREENING).surge_until_ms == 10_000

    lines.end_surge(SCREENING)
    assert lines.state(SCREENING).surge_until_ms == 0


def test_arrivals_are_counted_across_shards_and_attempts_per_second(lines):
    for shard, count in ((0, 1), (0, 1), (3, 5)):
        lines.add_arrivals(SCREENING, shard, count)
    assert lines.state(SCREENING).arrivals == 7

    assert lines.count_attempts(SCREENING, 100, 4) == 4
    assert lines.count_attempts(SCREENING, 100, 3) == 7
    assert lines.count_attempts(SCREENING, 101, 1) == 1
    assert lines.state(SCREENING).arrivals == 7  # attempts are not arrivals


def test_a_request_that_never_reached_the_queue_is_forgotten(requests):
    requests.add(a_request(1), PURGE)

    requests.forget(a_request(1).request_id)

    assert requests.get(a_request(1).request_id) is None


def test_a_decided_request_is_never_taken_back(requests, lines):
    requests.add(a_request(1), PURGE)
    lines.decide(SCREENING, LineState(), 1, [(a_request(1), won(1, 0))], PURGE)

    with pytest.raises(DeleteError):  # request_is_queued fails
        requests.forget(a_request(1).request_id)

    assert requests.get(a_request(1).request_id).status == "succeeded"


def test_the_view_is_the_admins_flag_and_the_line_in_one_read(lines):
    from chalicelib.adapters.dynamodb.models.catalog import ScreeningItem

    assert lines.view(SCREENING) == (False, LineState())  # neither a screening item nor a line yet

    when = "2026-06-02T19:00:00Z"
    ScreeningItem(SCREENING, movie_id="mov", theater_id="thr", starts_at=when, ends_at=when, busy_until=when,
                  day="2026-06-02", seats_total=2, queue_mode=True, created_at_ms=0).save()  # fmt: skip
    lines.surge_until(SCREENING, 10_000)
    lines.add_arrivals(SCREENING, 4, 3)

    assert lines.view(SCREENING) == (True, LineState(arrivals=3, surge_until_ms=10_000))
