"""Brute force: failed logins are limited per email and per source IP in fixed windows."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import RateLimited, Unauthorized

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(accounts):
    return accounts.register("alice@example.com", PASSWORD, "Alice").user


def fail(accounts, email="alice@example.com", source="10.0.0.1", times=1):
    for _ in range(times):
        with pytest.raises(Unauthorized):
            accounts.login(email, "wrong password", source)


def test_after_five_failures_for_one_email_even_the_right_password_waits_for_the_window(accounts, alice, clock):
    fail(accounts, times=5)
    clock.advance(100)

    with pytest.raises(RateLimited) as limited:
        accounts.login("alice@example.com", PASSWORD, "10.0.0.2")

    assert limited.value.code == "rate_limited"
    assert limited.value.retry_after == 800
    assert limited.value.details["scope"] == "email"


def test_a_new_window_lets_the_user_in_again(accounts, alice, clock):
    fail(accounts, times=5)
    clock.advance(900)

    assert accounts.login("alice@example.com", PASSWORD, "10.0.0.1").user == alice


def test_an_unknown_email_is_limited_like_a_known_one(accounts):
    fail(accounts, email="nobody@example.com", times=5)

    with pytest.raises(RateLimited):
        accounts.login("nobody@example.com", PASSWORD, "10.0.0.9")


def test_a_good_login_clears_the_emails_count(accounts, alice):
    fail(accounts, times=4)
    accounts.login("alice@example.com", PASSWORD, "10.0.0.1")

    fail(accounts, times=4, source="10.0.0.2")

    assert accounts.login("alice@example.com", PASSWORD, "10.0.0.2").user == alice


def test_one_source_guessing_many_emails_is_limited(accounts):
    for n in range(8):
        fail(accounts, email=f"user{n}@example.com")

    with pytest.raises(RateLimited) as limited:
        accounts.login("user9@example.com", PASSWORD, "10.0.0.1")

    assert limited.value.details["scope"] == "source"
    fail(accounts, email="user9@example.com", source="10.0.0.2")  # another source still gets a real answer


def test_a_good_login_does_not_clear_the_sources_count(accounts, alice):
    for n in range(7):
        fail(accounts, email=f"user{n}@example.com")
    accounts.login("alice@example.com", PASSWORD, "10.0.0.1")
    fail(accounts, email="user7@example.com")

    with pytest.raises(RateLimited) as limited:
        accounts.login("alice@example.com", PASSWORD, "10.0.0.1")

    assert limited.value.details["scope"] == "source"


def test_an_attempt_refused_for_its_email_does_not_count_against_the_source(accounts, counters, clock, alice):
    fail(accounts, times=5, source="10.0.0.7")
    for _ in range(10):
        with pytest.raises(RateLimited):
            accounts.login("alice@example.com", PASSWORD, "10.0.0.1")

    fail(accounts, email="bob@example.com", source="10.0.0.1")
