"""The `@connections` notifier: one shared client, fan-out in parallel, gone connections forgotten at once.

The local gateway's 410 for a closed connection is tested against the gateway (tests/contract/localcloud);
here botocore's Stubber plays API Gateway, so what the notifier does with each answer is exact.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters.dynamodb.realtime import DynamoConnections
from chalicelib.adapters.websocket import MAX_MESSAGE_BYTES, ApiGatewayNotifier, encode
from chalicelib.services.realtime import Connection


@pytest.fixture
def connections(aws) -> DynamoConnections:
    store = DynamoConnections()
    for connection_id in ("alive", "gone"):
        store.add(Connection(connection_id, None, 0), purge_at_ms=10**13)
    return store


def management_client():
    return boto3.client("apigatewaymanagementapi", region_name="us-east-1", endpoint_url="https://ws.example.com/api")


def post_answered_with(connections, connection_id: str, error_code: str, status: int) -> int:
    """`send_many` to one connection whose post API Gateway answers with this error; how many took it."""
    client = management_client()
    notifier = ApiGatewayNotifier(lambda _url: client, "https://ws.example.com/api", connections)
    with Stubber(client) as stub:
        stub.add_client_error("post_to_connection", service_error_code=error_code, http_status_code=status)
        return notifier.send_many([connection_id], {"type": "seat_status_update"})


def test_a_connection_that_answers_410_gone_is_forgotten_at_once(connections):
    delivered = post_answered_with(connections, "gone", "GoneException", 410)

    assert delivered == 0
    assert connections.get("gone") is None
    assert connections.get("alive") is not None


def test_a_post_that_fails_otherwise_is_not_counted_and_keeps_the_connection(connections):
    delivered = post_answered_with(connections, "alive", "LimitExceededException", 429)

    assert delivered == 0
    assert connections.get("alive") is not None


class CountingClient:
    """Stands in for the shared boto3 client: records each post and the thread it came from."""

    def __init__(self) -> None:
        import threading

        self.posts: list[tuple[str, bytes]] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()
        self.exceptions = management_client().exceptions

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        import threading
        import time

        time.sleep(0.01)
        with self._lock:
            self.posts.append((ConnectionId, Data))
            self.threads.add(threading.current_thread().name)


def test_one_message_goes_to_every_watcher_in_parallel_on_one_client(connections):
    client = CountingClient()
    built = []
    notifier = ApiGatewayNotifier(lambda url: built.append(url) or client, "https://ws.example.com/api", connections)
    watchers = [f"conn-{n}" for n in range(200)]

    delivered = notifier.send_many(watchers, {"type": "seat_status_update", "seq": 3})

    assert delivered == 200
    assert sorted(target for target, _ in client.posts) == sorted(watchers)
    assert {data for _, data in client.posts} == {b'{"type":"seat_status_update","seq":3}'}
    assert len(client.threads) > 1
    assert len(built) == 1


def test_each_connection_gets_its_own_message_in_parallel(connections):
    client = CountingClient()
    notifier = ApiGatewayNotifier(lambda url: client, "https://ws.example.com/api", connections)
    posts = [(f"conn-{n}", {"type": "queue_update", "request_id": f"req_{n}"}) for n in range(40)]

    delivered = notifier.send_each(posts)

    assert delivered == 40
    assert sorted(client.posts) == sorted((target, encode(message)) for target, message in posts)
    assert len(client.threads) > 1


def test_a_message_over_api_gateways_128_kb_is_refused_before_any_post():
    with pytest.raises(ValueError, match=r"\d+ bytes"):
        encode({"type": "x", "data": "a" * MAX_MESSAGE_BYTES})


def test_the_snapshot_of_the_largest_hall_the_layout_allows_is_far_under_128_kb(ws, notifier, api, token_for):
    """2,000 seats (the validator's cap), 20 rows of 100, with the longest row labels (three letters)."""
    admin = token_for("admin-1", "admin")
    rows = [{"label": f"ZZ{chr(ord('A') + n)}", "seats": [{"number": k} for k in range(1, 101)]} for n in range(20)]
    theater = api.post("/api/theaters", {"name": "Biggest", "layout": {"rows": rows, "prices": {"standard": 900}}},
                       token=admin)  # fmt: skip
    assert theater.status == 201, theater.json
    movie = api.post("/api/movies", {"title": "Long", "description": "", "genres": ["Epic"], "duration_minutes": 200,
                                     "rating": "PG", "release_date": "2020-01-01"}, token=admin).json  # fmt: skip
    screening = api.post("/api/screenings", {"movie_id": movie["id"], "theater_id": theater.json["id"],
                                             "starts_at": "2026-06-02T19:00:00Z"}, token=admin)  # fmt: skip
    assert screening.status == 201, screening.json
    ws.connect("conn-1")

    ws.send("conn-1", {"action": "join_screening", "screening_id": screening.json["id"]})

    [snapshot] = notifier.to("conn-1")
    size = len(encode(snapshot))
    assert len(snapshot["seats"]) == 2000
    assert size < 96 * 1024, size  # three quarters of the limit at most
    print(json.dumps({"largest_snapshot_bytes": size}))
