"""The local WebSocket gateway behaves like API Gateway: events, handshake refusal, routing, @connections, limits."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from chalicelib.adapters.websocket import ApiGatewayNotifier
from scripts.localcloud.harness import wait_for

from .conftest import RunningGateway

pytestmark = pytest.mark.slow


def _connection_id(tiny_ws) -> str:
    return tiny_ws.of_type("CONNECT")[-1]["requestContext"]["connectionId"]


def test_connect_runs_the_connect_handler_with_api_gateways_event(gateway, tiny_ws):
    with connect(f"{gateway.ws_url}/?token=abc&x=1&x=2", user_agent_header="pytest-client"):
        [event] = tiny_ws.of_type("CONNECT")

    context = event["requestContext"]
    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert context["stage"] == "api"
    assert context["domainName"] == f"127.0.0.1:{gateway.port}"
    assert context["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "pytest-client"}
    assert context["connectionId"] and context["requestId"] and context["apiId"]
    assert isinstance(context["connectedAt"], int)
    assert event["queryStringParameters"] == {"token": "abc", "x": "2"}
    assert event["multiValueQueryStringParameters"]["x"] == ["1", "2"]
    assert event["headers"]["Host"] == f"127.0.0.1:{gateway.port}"
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize(("query", "status"), [("refuse=401", 401), ("refuse=403", 403), ("crash=1", 500)])
def test_a_connect_handler_that_does_not_answer_2xx_refuses_the_handshake(gateway, tiny_ws, query, status):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{gateway.ws_url}/?{query}")

    assert refused.value.response.status_code == status
    assert gateway.gateway.connections == {}
    assert tiny_ws.of_type("DISCONNECT") == []


def test_every_message_goes_to_default_with_the_message_event(gateway, tiny_ws):
    with connect(gateway.ws_url) as client:
        client.send(json.dumps({"action": "join_screening", "screening_id": "s-1"}))
        client.send(b"\x00\x01binary")
        wait_for(lambda: len(tiny_ws.of_type("MESSAGE")) == 2)

    text, binary = tiny_ws.of_type("MESSAGE")
    assert text["requestContext"]["routeKey"] == "$default"
    assert text["requestContext"]["messageId"]
    assert text["requestContext"]["connectionId"] == _connection_id(tiny_ws)
    assert json.loads(text["body"]) == {"action": "join_screening", "screening_id": "s-1"}
    assert text["isBase64Encoded"] is False
    assert binary["isBase64Encoded"] is True


def test_a_crashing_message_handler_answers_internal_server_error_and_keeps_the_connection(gateway, tiny_ws):
    with connect(gateway.ws_url) as client:
        client.send("crash")
        answer = json.loads(client.recv(timeout=5))
        client.send("still here")
        wait_for(lambda: len(tiny_ws.of_type("MESSAGE")) == 2)

    assert answer["message"] == "Internal server error"
    assert answer["connectionId"] == _connection_id(tiny_ws)


def test_the_management_api_sends_describes_and_closes_a_connection(gateway, tiny_ws):
    management = gateway.management()
    with connect(gateway.ws_url, user_agent_header="pytest-client") as client:
        connection_id = _connection_id(tiny_ws)

        management.post_to_connection(ConnectionId=connection_id, Data=b'{"type": "hello"}')
        received = client.recv(timeout=5)
        info = management.get_connection(ConnectionId=connection_id)
        management.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=5)

    assert json.loads(received) == {"type": "hello"}
    assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "pytest-client"}
    assert info["ConnectedAt"] and info["LastActiveAt"]
    assert tiny_ws.disconnected.wait(5)
    [gone] = tiny_ws.of_type("DISCONNECT")
    assert gone["requestContext"]["routeKey"] == "$disconnect"
    assert gone["requestContext"]["connectionId"] == connection_id


def test_a_closed_or_unknown_connection_is_410_gone(gateway, tiny_ws):
    management = gateway.management()
    with connect(gateway.ws_url):
        connection_id = _connection_id(tiny_ws)
    assert tiny_ws.disconnected.wait(5)

    for target in (connection_id, "bm8tc3VjaC1pZA=="):
        for call in (
            lambda t=target: management.post_to_connection(ConnectionId=t, Data=b"{}"),
            lambda t=target: management.get_connection(ConnectionId=t),
            lambda t=target: management.delete_connection(ConnectionId=t),
        ):
            with pytest.raises(management.exceptions.GoneException) as gone:
                call()
            assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_messages_over_128_kb_are_refused_both_ways(gateway, tiny_ws):
    management = gateway.management()
    with connect(gateway.ws_url, max_size=None) as client:
        connection_id = _connection_id(tiny_ws)
        with pytest.raises(ClientError) as too_large:
            management.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))
        client.send("y" * (128 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=5)

    assert too_large.value.response["Error"]["Code"] == "PayloadTooLargeException"
    assert closed.value.rcvd.code == 1009
    assert tiny_ws.disconnected.wait(5)


def test_an_idle_connection_is_closed_going_away_and_disconnect_runs(tiny_ws):
    running = RunningGateway(tiny_ws.app, idle_seconds=0.5)
    try:
        with connect(running.ws_url) as client, pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=5)
    finally:
        running.stop()

    assert closed.value.rcvd.code == 1001
    assert tiny_ws.disconnected.is_set()


class _ForgottenConnections:
    def __init__(self) -> None:
        self.removed: list[str] = []

    def remove(self, connection_id: str) -> None:
        self.removed.append(connection_id)


def test_the_apps_notifier_delivers_and_forgets_a_gone_connection(gateway, tiny_ws):
    """The app's own notifier code (boto3 apigatewaymanagementapi) against the local management API."""
    store = _ForgottenConnections()
    notifier = ApiGatewayNotifier(lambda url: gateway.management(), gateway.management_url, store)
    with connect(gateway.ws_url) as client:
        connection_id = _connection_id(tiny_ws)
        delivered = notifier.send(connection_id, {"type": "seat_status_update", "seq": 1})
        received = json.loads(client.recv(timeout=5))
    assert tiny_ws.disconnected.wait(5)

    after_close = notifier.send(connection_id, {"type": "seat_status_update", "seq": 2})

    assert delivered is True
    assert received == {"type": "seat_status_update", "seq": 1}
    assert after_close is False
    assert store.removed == [connection_id]
