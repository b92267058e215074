"""Brute force over HTTP: repeated failed logins get 429 rate_limited with Retry-After, counted in DynamoDB."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb.accounts import DynamoLoginCounters
from chalicelib.domain.accounts import Window, email_counter_key, source_counter_key

PASSWORD = "correct horse battery"  # what the `auth` fixture registers with


@pytest.fixture
def alice(auth):
    return auth.register()


def fail(auth, email="alice@example.com", times=1):
    for _ in range(times):
        response = auth.login(email, "wrong password")
        assert response.status == 401, response.json


def test_the_sixth_attempt_after_five_failures_is_429_with_retry_after_even_with_the_right_password(auth, alice, clock):
    fail(auth, times=5)
    clock.advance(60)

    response = auth.login("alice@example.com", PASSWORD)

    assert response.status == 429
    assert response.headers["retry-after"] == "840"
    assert response.json["error"]["code"] == "rate_limited"
    assert response.json["error"]["details"] == {"retry_after_seconds": 840, "scope": "email"}


def test_the_count_lives_in_dynamodb_so_every_instance_sees_it(auth, alice, clock):
    fail(auth, times=3)

    window = Window.containing(clock.now(), 900)
    assert DynamoLoginCounters().count(email_counter_key("alice@example.com", window)) == 3
    assert DynamoLoginCounters().count(source_counter_key("127.0.0.1", window)) == 3


def test_after_the_window_the_user_signs_in_again(auth, alice, clock):
    fail(auth, times=5)
    clock.advance(900)

    assert auth.login("alice@example.com", PASSWORD).status == 200


def test_a_good_login_resets_the_emails_count(auth, alice):
    fail(auth, times=4)
    assert auth.login("alice@example.com", PASSWORD).status == 200

    fail(auth, times=4)

    assert auth.login("alice@example.com", PASSWORD).status == 200


def test_one_source_failing_on_many_emails_is_limited_and_a_good_login_does_not_reset_it(auth, alice, with_settings):
    with_settings(login_max_failures_per_ip=3)
    fail(auth, email="bob@example.com")
    fail(auth, email="carol@example.com")
    assert auth.login("alice@example.com", PASSWORD).status == 200
    fail(auth, email="dave@example.com")

    response = auth.login("alice@example.com", PASSWORD)

    assert response.status == 429
    assert response.json["error"]["details"]["scope"] == "source"
    assert int(response.headers["retry-after"]) == 900
