"""Every condition of the surge line's storage, each made to fail (chalicelib/adapters/dynamodb/surge.py)."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb.surge import DynamoLines, DynamoSeatRequests
from chalicelib.domain.errors import Conflict
from chalicelib.domain.surge import Decision, Failure, SeatRequest

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


def test_decisions_and_the_decided_count_are_written_together(requests, lines):
    for n in (1, 2):
        requests.add(a_request(n), PURGE)
    lost = Decision(a_request(2).request_id, "failed", 1, 5_000, failure=Failure("sold_out", "Every seat is taken."))

    lines.decide(SCREENING, 0, [won(1, 0), lost], PURGE)

    stored = requests.get_many([a_request(1).request_id, a_request(2).request_id])
    assert stored[a_request(1).request_id].decision == won(1, 0)
    assert stored[a_request(2).request_id].decision == lost
    assert lines.state(SCREENING, consistent=True).decided == 2


def test_a_request_decided_already_refuses_the_whole_batch(requests, lines):
    for n in (1, 2, 3):
        requests.add(a_request(n), PURGE)
    lines.decide(SCREENING, 0, [won(1, 0)], PURGE)

    with pytest.raises(Conflict) as refused:  # request_is_queued fails for request 1
        lines.decide(SCREENING, 1, [won(1, 1), won(2, 2)], PURGE)

    assert refused.value.code == "line_moved"
    assert requests.get(a_request(2).request_id).status == "queued"
    assert requests.get(a_request(1).request_id).decision.ordinal == 0
    assert lines.state(SCREENING, consistent=True).decided == 1


def test_a_line_that_moved_refuses_the_batch(requests, lines):
    for n in (1, 2):
        requests.add(a_request(n), PURGE)
    lines.decide(SCREENING, 0, [won(1, 0)], PURGE)

    with pytest.raises(Conflict):  # line_is_at(0) fails: the line decided one already
        lines.decide(SCREENING, 0, [won(2, 0)], PURGE)

    assert requests.get(a_request(2).request_id).status == "queued"


def test_a_surge_is_only_ever_lengthened_until_it_is_ended(lines):
    lines.surge_until(SCREENING, 10_000)

    lines.surge_until(SCREENING, 5_000)  # surge_is_shorter refuses it, quietly
    assert lines.state(SCREENING).surge_until_ms == 10_000

    lines.end_surge(SCREENING)
    assert lines.state(SCREENING).surge_until_ms == 0


def test_arrivals_are_counted_across_shards_and_attempts_per_second(lines):
    assert [lines.count_arrival(SCREENING, shard) for shard in (0, 0, 3)] == [1, 2, 1]
    assert lines.state(SCREENING).arrivals == 3

    assert lines.count_attempts(SCREENING, 100, 4) == 4
    assert lines.count_attempts(SCREENING, 100, 3) == 7
    assert lines.count_attempts(SCREENING, 101, 1) == 1
    assert lines.state(SCREENING).arrivals == 3  # attempts are not arrivals


def test_a_request_that_never_reached_the_queue_is_forgotten(requests):
    requests.add(a_request(1), PURGE)

    requests.forget(a_request(1).request_id)

    assert requests.get(a_request(1).request_id) is None
