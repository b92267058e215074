"""The REST front hands HTTP requests to the app exactly as API Gateway would, from many threads at once."""

from __future__ import annotations

import threading

import pytest
from chalice import Chalice, Response
from werkzeug.test import Client

from chalicelib.api.gateway_responses import MAX_PAYLOAD_BYTES
from scripts.localcloud.rest import RestFront


@pytest.fixture
def tiny_front():
    """A test-only app, so these tests exercise the adapter and not another room's routes."""
    tiny = Chalice(app_name="tiny")

    @tiny.route("/echo/{name}", methods=["GET", "POST"])
    def echo(name):
        request = tiny.current_request
        return {
            "name": name,
            "query": request.query_params,
            "body": request.raw_body.decode() if request.raw_body else None,
            "request_id": request.context.get("requestId"),
            "stage": request.context.get("stage"),
        }

    @tiny.route("/png")
    def png():
        return Response(body=b"\x89PNG\r\n", status_code=200, headers={"Content-Type": "image/png"})

    tiny.api.binary_types.append("image/png")
    return Client(RestFront(tiny))


def test_health_through_the_front_reports_dynamodb_and_sqs_with_a_request_id(app_services):
    from app import app

    response = Client(RestFront(app)).get("/api/health")

    assert response.status_code == 200
    assert response.json["checks"] == {"dynamodb": True, "sqs": True}
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-amzn-RequestId"]


def test_an_unknown_path_is_the_gateways_404_in_the_error_body(app_services):
    from app import app

    response = Client(RestFront(app)).get("/api/nothing-here")

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_path_query_string_and_body_reach_the_view_with_api_gateways_context(tiny_front):
    response = tiny_front.post("/echo/ada%20lovelace?seat=A1&seat=A2&x=%C3%A9", data=b'{"a": 1}')

    assert response.status_code == 200
    assert response.json["name"] == "ada lovelace"
    assert response.json["query"] == {"seat": "A2", "x": "é"}
    assert response.json["body"] == '{"a": 1}'
    assert response.json["stage"] == "api"
    assert response.json["request_id"] == response.headers["x-amzn-RequestId"]


def test_a_binary_response_is_sent_as_bytes(tiny_front):
    response = tiny_front.get("/png", headers={"Accept": "image/png"})

    assert response.status_code == 200
    assert response.data == b"\x89PNG\r\n"
    assert response.headers["Content-Type"] == "image/png"


def test_a_body_over_api_gateways_10_mb_limit_is_413_in_the_error_body(tiny_front):
    response = tiny_front.post("/echo/big", data=b"x" * (MAX_PAYLOAD_BYTES + 1))

    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_concurrent_requests_each_see_their_own_request(tiny_front):
    answers: dict[int, str] = {}

    def call(n: int) -> None:
        answers[n] = tiny_front.get(f"/echo/caller-{n}?n={n}").json["query"]["n"]

    threads = [threading.Thread(target=call, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == {n: str(n) for n in range(16)}
