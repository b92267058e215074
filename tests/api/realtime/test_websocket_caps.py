"""An anonymous connection cannot make the server expensive: caps on joins, snapshots a second, screenings.

Past a cap the connection is told so on the socket and stays open; nothing is counted or read.
"""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb.models.realtime import ConnectionItem
from chalicelib.adapters.dynamodb.realtime import DynamoConnections
from chalicelib.domain.errors import Conflict, NotFound, RateLimited
from chalicelib.services.realtime import MAX_SNAPSHOTS_PER_SECOND, Connection, JoinLimits


def join(ws, connection_id: str, screening_id: str) -> dict:
    return ws.send(connection_id, {"action": "join_screening", "screening_id": screening_id})


def test_snapshots_past_the_cap_in_one_second_are_refused_on_the_socket_until_the_next_second(
    ws, notifier, screening_id, clock
):
    ws.connect("conn-1")
    for _ in range(MAX_SNAPSHOTS_PER_SECOND):
        assert join(ws, "conn-1", screening_id)["statusCode"] == 200

    refused = join(ws, "conn-1", screening_id)
    clock.advance(1)
    again = join(ws, "conn-1", screening_id)

    assert refused["statusCode"] == 400
    error = notifier.to("conn-1")[MAX_SNAPSHOTS_PER_SECOND]
    assert error == {
        "type": "error",
        "code": "too_many_snapshots",
        "message": error["message"],
        "retry_after_seconds": 1,
    }
    assert again["statusCode"] == 200
    assert notifier.to("conn-1")[-1]["snapshot"] is True


def test_a_join_of_an_unknown_screening_counts_against_the_cap(ws, notifier, screening_id):
    ws.connect("conn-1")
    for _ in range(MAX_SNAPSHOTS_PER_SECOND):
        join(ws, "conn-1", "scr_nothing")

    join(ws, "conn-1", screening_id)

    assert [m["code"] for m in notifier.to("conn-1")] == ["screening_not_found"] * 2 + ["too_many_snapshots"]


@pytest.fixture
def connections(aws) -> DynamoConnections:
    store = DynamoConnections()
    store.add(Connection("conn-1", None, 0), purge_at_ms=10**13)
    return store


def test_joins_below_fails_at_the_cap_of_joins_per_connection(connections):
    limits = JoinLimits(joins=3, snapshots_per_second=10)
    for second in range(3):
        connections.count_join("conn-1", second, limits)

    with pytest.raises(Conflict) as refused:
        connections.count_join("conn-1", 99, limits)

    assert refused.value.code == "too_many_joins"
    assert ConnectionItem.get("conn-1").joins == 3


def test_snapshot_slot_left_fails_at_the_cap_within_one_second_and_a_new_second_starts_again(connections):
    limits = JoinLimits(joins=100, snapshots_per_second=2)
    connections.count_join("conn-1", 7, limits)
    connections.count_join("conn-1", 7, limits)

    with pytest.raises(RateLimited) as refused:
        connections.count_join("conn-1", 7, limits)
    connections.count_join("conn-1", 8, limits)

    assert refused.value.code == "too_many_snapshots"
    stored = ConnectionItem.get("conn-1")
    assert (stored.joins, stored.snapshot_second, stored.snapshots) == (3, 8, 1)


def test_connection_is_open_fails_for_a_join_counted_on_a_closed_connection(connections):
    connections.remove("conn-1")

    with pytest.raises(NotFound) as refused:
        connections.count_join("conn-1", 1, JoinLimits())

    assert refused.value.code == "connection_not_found"
    assert connections.get("conn-1") is None


def test_a_users_connections_are_listed_for_them_until_each_one_closes(connections):
    for connection_id, user_id in (("conn-a1", "alice"), ("conn-a2", "alice"), ("conn-b1", "bob")):
        connections.add(Connection(connection_id, user_id, 0), purge_at_ms=10**13)

    assert connections.of_users(["alice", "bob", "carol"]) == {"alice": ["conn-a1", "conn-a2"], "bob": ["conn-b1"]}

    connections.remove("conn-a1")
    connections.remove("conn-b1")
    assert connections.of_users(["alice", "bob"]) == {"alice": ["conn-a2"]}  # an anonymous one is nobody's
