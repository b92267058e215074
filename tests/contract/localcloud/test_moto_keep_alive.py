"""The local moto server keeps a client's connection open between calls, as AWS endpoints do.

werkzeug's development server closes every connection after one answer; `KeepAliveHandler` reads each
request's body before moto runs, so the next request on the connection is read from where it starts.
"""

from __future__ import annotations

import http.client
import json
import socket

import pytest

from scripts.localcloud.moto_server import KeepAliveHandler, MotoServer

LIST_TABLES = {
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": "AWS4-HMAC-SHA256 Credential=x/20261202/us-east-1/dynamodb/aws4_request, SignedHeaders=host, "
    "Signature=x",
}


@pytest.fixture
def server():
    started = MotoServer().start()
    yield started
    started.stop()


def _connection(server: MotoServer) -> http.client.HTTPConnection:
    host, port = server.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=5)


def test_one_connection_carries_many_calls(server):
    connection = _connection(server)
    sockets = set()
    for _ in range(3):
        connection.request("POST", "/", body=b"{}", headers=LIST_TABLES)
        answer = connection.getresponse()
        assert answer.status == 200
        assert isinstance(json.loads(answer.read())["TableNames"], list)  # the suite's own tables may be there
        assert answer.getheader("Connection") != "close"
        sockets.add(id(connection.sock))
    assert len(sockets) == 1  # http.client would have reconnected after a close


def test_a_body_the_server_does_not_read_does_not_become_the_next_request(server):
    connection = _connection(server)
    connection.request("GET", "/favicon.ico", body=b"x" * 5000, headers={"Content-Type": "text/plain"})
    first = connection.getresponse()
    first.read()
    connection.request("POST", "/", body=b"{}", headers=LIST_TABLES)
    assert connection.getresponse().status == 200


def test_a_chunked_request_is_answered_and_its_connection_closed(server):
    connection = _connection(server)
    connection.request("POST", "/", body=iter([b"{", b"}"]), headers=LIST_TABLES, encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 200
    assert answer.getheader("Connection") == "close"


def test_answers_on_a_kept_connection_are_sent_without_nagles_delay(monkeypatch):
    """An answer leaves in two writes; with Nagle's algorithm on, the second waits for the client's delayed
    acknowledgement of the first (~40 ms a call on a kept connection)."""
    seen: list[int] = []
    original_setup = KeepAliveHandler.setup

    def setup(handler: KeepAliveHandler) -> None:
        original_setup(handler)
        seen.append(handler.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(KeepAliveHandler, "setup", setup)
    server = MotoServer().start()
    try:
        connection = _connection(server)
        connection.request("POST", "/", body=b"{}", headers=LIST_TABLES)
        assert connection.getresponse().status == 200
    finally:
        server.stop()
    assert seen and all(seen)
