"""The REST front refuses what API Gateway refuses for size, at API Gateway's quotas, in the API's error body.

A real gunicorn front (the one `make run` starts) in a child process, asked over HTTP with `requests`.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from chalicelib.api.gateway_responses import MAX_REQUEST_LINE_AND_HEADERS_BYTES, MAX_URL_CHARACTERS
from scripts.localcloud.children import ROOT, Child, free_port, wait_for_port
from scripts.localcloud.rest import MAX_HEADER_FIELD_BYTES
from tests.conftest import TEST_ENV

pytestmark = pytest.mark.slow

UNKNOWN = "/api/nothing-here"  # answered by the gateway emulator (404) without touching storage


@pytest.fixture(scope="module")
def front():
    port = free_port()
    env = {**os.environ, **TEST_ENV, "LOG_LEVEL": "WARNING"}
    env.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.localcloud.rest", "--port", str(port), "--workers", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 60, Child("rest", process))
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def url_of_length(front: str, characters: int) -> str:
    """An unknown path whose URL (path and query, as API Gateway counts it) has exactly `characters` characters."""
    base = f"{UNKNOWN}?q="
    return front + base + "x" * (characters - len(base))


def assert_refused(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) >= {"code", "message"}


def test_a_long_url_within_both_quotas_reaches_the_api(front):
    response = requests.get(url_of_length(front, MAX_REQUEST_LINE_AND_HEADERS_BYTES - 300), timeout=30)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_url_at_the_url_quota_still_breaks_the_total_of_request_line_and_headers(front):
    response = requests.get(url_of_length(front, MAX_URL_CHARACTERS), timeout=30)

    assert_refused(response, 431, "headers_too_large")


def test_a_url_one_character_over_the_quota_is_414(front):
    response = requests.get(url_of_length(front, MAX_URL_CHARACTERS + 1), timeout=30)

    assert_refused(response, 414, "uri_too_long")


def test_a_url_longer_than_gunicorn_parses_is_414_in_the_same_body(front):
    response = requests.get(url_of_length(front, 1024 * 1024 + 10), timeout=30)

    assert_refused(response, 414, "uri_too_long")


def test_header_values_up_to_the_quota_reach_the_api(front):
    request_line = len(f"GET {UNKNOWN} HTTP/1.1")
    sent = {"Host": "127.0.0.1", "User-Agent": "t", "Accept-Encoding": "identity", "Accept": "*/*", "Connection": "c"}
    room = MAX_REQUEST_LINE_AND_HEADERS_BYTES - request_line - sum(len(value) for value in sent.values())
    headers = {**sent, "X-Fill": "a" * room}

    at_quota = requests.get(front + UNKNOWN, headers=headers, timeout=30)
    over = requests.get(front + UNKNOWN, headers={**headers, "X-Fill": "a" * (room + 1)}, timeout=30)

    assert at_quota.status_code == 404
    assert_refused(over, 431, "headers_too_large")


def test_many_small_headers_over_the_quota_are_431(front):
    headers = {f"X-Part-{n}": "v" * 100 for n in range(MAX_REQUEST_LINE_AND_HEADERS_BYTES // 100)}

    assert_refused(requests.get(front + UNKNOWN, headers=headers, timeout=30), 431, "headers_too_large")


def test_one_header_longer_than_gunicorn_parses_is_431_in_the_same_body(front):
    headers = {"X-Huge": "h" * (MAX_HEADER_FIELD_BYTES + 1)}

    assert_refused(requests.get(front + UNKNOWN, headers=headers, timeout=30), 431, "headers_too_large")
