"""Emails, passwords, refresh tokens and login windows: the pure rules of accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.accounts import (
    RefreshTokenRecord,
    Window,
    check_password,
    clean_name,
    email_counter_key,
    hash_refresh_token,
    new_refresh_token,
    normalize_email,
    source_counter_key,
)
from chalicelib.domain.errors import InvalidRequest

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class TestEmails:
    def test_two_spellings_of_one_mailbox_normalise_to_the_same_email(self):
        assert normalize_email("  Alice@Example.COM ") == normalize_email("alice@example.com") == "alice@example.com"

    def test_composed_and_decomposed_unicode_normalise_to_the_same_email(self):
        assert normalize_email("jos\u0065\u0301@example.com") == normalize_email("jos\u00e9@example.com")

    @pytest.mark.parametrize(
        "email",
        [
            "",
            "   ",
            "alice",
            "@example.com",
            "alice@",
            "alice@localhost",
            "alice@@example.com",
            "a@b@example.com",
            "alice@example..com",
            "alice@-example.com",
            "al ice@example.com",
            "alice@exa\u0000mple.com",
            "x" * 65 + "@example.com",
            "a@" + "b" * 250 + ".com",
        ],
    )
    def test_an_address_that_cannot_be_a_mailbox_is_a_validation_error_naming_email(self, email):
        with pytest.raises(InvalidRequest) as refused:
            normalize_email(email)

        assert refused.value.code == "validation_error"
        assert refused.value.details["fields"][0]["field"] == "email"

    @settings(max_examples=60, deadline=None)
    @given(
        local=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789._+-", min_size=1, max_size=64),
        domain=st.sampled_from(["example.com", "Example.ORG", "mail.example.co.uk"]),
    )
    def test_normalising_an_accepted_address_again_changes_nothing(self, local, domain):
        once = normalize_email(f"{local}@{domain}")

        assert normalize_email(once) == once


class TestPasswordPolicy:
    def test_a_password_of_eight_characters_that_is_not_the_email_is_accepted(self):
        check_password("correct8", "alice@example.com")

    def test_a_password_of_128_characters_is_accepted(self):
        check_password("p" * 128, "alice@example.com")

    @pytest.mark.parametrize(
        ("password", "rule"),
        [
            ("short7!", "min_length"),
            ("", "min_length"),
            ("p" * 129, "max_length"),
            (" " * 12, "not_blank"),
            ("\t\n  \u3000    ", "not_blank"),
            ("alice@example.com", "not_email"),
            ("ALICE@EXAMPLE.COM", "not_email"),
            ("alice.cooper", "not_email"),
            (" alice.cooper ", "not_email"),
        ],
    )
    def test_a_password_breaking_a_rule_is_weak_and_the_rule_is_named(self, password, rule):
        email = "alice.cooper@example.com" if "cooper" in password else "alice@example.com"

        with pytest.raises(InvalidRequest) as refused:
            check_password(password, email)

        assert refused.value.code == "weak_password"
        assert refused.value.details["rule"] == rule
        assert refused.value.details["field"] == "password"
        assert refused.value.message

    def test_length_counts_characters_not_bytes(self):
        check_password("\u00e9" * 8, "alice@example.com")


class TestNames:
    def test_a_name_is_trimmed(self):
        assert clean_name("  Alice Cooper ") == "Alice Cooper"

    @pytest.mark.parametrize("name", ["", "   ", "x" * 101, "Alice\u0000", "Bob\u202e"])
    def test_an_empty_oversized_or_control_character_name_is_a_validation_error_naming_name(self, name):
        with pytest.raises(InvalidRequest) as refused:
            clean_name(name)

        assert refused.value.details["fields"][0]["field"] == "name"


class TestRefreshTokens:
    def test_tokens_are_unguessable_and_only_their_sha256_is_kept(self):
        first, second = new_refresh_token(), new_refresh_token()

        assert first != second
        assert len(first) >= 43  # 32 bytes, base64url
        assert hash_refresh_token(first) == hash_refresh_token(first)
        assert len(hash_refresh_token(first)) == 64
        assert first not in hash_refresh_token(first)

    def test_a_token_is_expired_from_its_expiry_instant_on(self):
        record = RefreshTokenRecord("h", "f", "u", issued_at=NOON, expires_at=NOON + timedelta(days=30))

        assert not record.is_expired(NOON + timedelta(days=30) - timedelta(seconds=1))
        assert record.is_expired(NOON + timedelta(days=30))


class TestLoginWindows:
    def test_every_instant_of_a_window_maps_to_the_same_window(self):
        first = Window.containing(NOON, 900)
        last = Window.containing(NOON + timedelta(seconds=899), 900)

        assert first == last
        assert Window.containing(NOON + timedelta(seconds=900), 900) != first
        assert first.ends_at == NOON + timedelta(seconds=900)

    def test_retry_after_is_the_whole_seconds_left_and_never_zero(self):
        window = Window.containing(NOON, 900)

        assert window.retry_after(NOON) == 900
        assert window.retry_after(NOON + timedelta(seconds=899, milliseconds=500)) == 1
        assert window.retry_after(NOON + timedelta(seconds=900)) == 1

    def test_counter_keys_hold_no_address_and_change_with_the_window(self):
        window = Window.containing(NOON, 900)
        later = Window.containing(NOON + timedelta(hours=1), 900)

        assert "alice" not in email_counter_key("alice@example.com", window)
        assert "10.0.0.1" not in source_counter_key("10.0.0.1", window)
        assert email_counter_key("alice@example.com", window) != email_counter_key("alice@example.com", later)
        assert email_counter_key("a@example.com", window) != source_counter_key("a@example.com", window)
