"""The contract of the accounts ports: what the service may rely on, from the fake and from DynamoDB alike.

Each named condition of the DynamoDB adapter has a test here that makes it fail.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.accounts import RefreshTokenRecord, Rotation, User
from chalicelib.domain.errors import NotFound

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def a_user(user_id="u_alice", email="alice@example.com", role="customer") -> User:
    return User(id=user_id, email=email, name="Alice", role=role, password_hash="$argon2id$hash", created_at=NOON)


def a_token(token_hash="t1", family_id="f1", issued_at=NOON) -> RefreshTokenRecord:
    return RefreshTokenRecord(
        token_hash=token_hash,
        family_id=family_id,
        user_id="u_alice",
        issued_at=issued_at,
        expires_at=issued_at + timedelta(days=30),
    )


class TestUsers:
    def test_an_added_user_is_found_by_id_and_by_email(self, users):
        assert users.add(a_user()) is True

        assert users.get("u_alice") == a_user()
        assert users.find_by_email("alice@example.com") == a_user()

    def test_email_is_unclaimed_refuses_a_second_account_for_the_address_and_writes_nothing(self, users):
        users.add(a_user())

        assert users.add(a_user(user_id="u_impostor")) is False

        assert users.get("u_impostor") is None
        assert users.find_by_email("alice@example.com").id == "u_alice"

    def test_unknown_ids_and_emails_are_none(self, users):
        assert users.get("u_nobody") is None
        assert users.find_by_email("nobody@example.com") is None

    def test_set_role_changes_only_the_role(self, users):
        users.add(a_user())

        promoted = users.set_role("u_alice", "admin")

        assert promoted == User(**{**a_user().__dict__, "role": "admin"})
        assert users.get("u_alice").role == "admin"

    def test_user_exists_refuses_to_change_a_user_that_does_not_exist(self, users):
        with pytest.raises(NotFound) as missing:
            users.set_role("u_nobody", "admin")
        with pytest.raises(NotFound):
            users.set_password_hash("u_nobody", "$argon2id$other")

        assert missing.value.code == "user_not_found"
        assert users.get("u_nobody") is None

    def test_set_password_hash_replaces_the_hash(self, users):
        users.add(a_user())

        users.set_password_hash("u_alice", "$argon2id$new")

        assert users.get("u_alice").password_hash == "$argon2id$new"


class TestSessions:
    def test_a_started_token_is_found_unspent(self, sessions):
        sessions.start(a_token())

        assert sessions.find("t1") == a_token()
        assert sessions.family_revoked_at("f1") is None

    def test_rotation_spends_the_token_and_stores_its_successor(self, sessions):
        sessions.start(a_token())
        later = NOON + timedelta(minutes=5)

        outcome = sessions.rotate("t1", a_token("t2", issued_at=later), later)

        assert outcome is Rotation.ROTATED
        assert sessions.find("t1").spent_at == later
        assert sessions.find("t2") == a_token("t2", issued_at=later)

    def test_token_is_unspent_refuses_a_second_rotation_of_one_token(self, sessions):
        sessions.start(a_token())
        sessions.rotate("t1", a_token("t2"), NOON)

        outcome = sessions.rotate("t1", a_token("t3"), NOON + timedelta(seconds=1))

        assert outcome is Rotation.ALREADY_SPENT
        assert sessions.find("t3") is None
        assert sessions.find("t1").spent_at == NOON

    def test_token_is_unspent_refuses_a_token_that_was_never_issued(self, sessions):
        sessions.start(a_token())

        assert sessions.rotate("never-issued", a_token("t2"), NOON) is Rotation.ALREADY_SPENT
        assert sessions.find("t2") is None

    def test_family_is_active_refuses_rotation_in_a_revoked_family_and_leaves_the_token_unspent(self, sessions):
        sessions.start(a_token())
        sessions.revoke_family("f1", "logout", NOON)

        outcome = sessions.rotate("t1", a_token("t2"), NOON + timedelta(seconds=1))

        assert outcome is Rotation.FAMILY_REVOKED
        assert sessions.find("t1").spent_at is None
        assert sessions.find("t2") is None

    def test_the_first_revocation_is_kept(self, sessions):
        sessions.start(a_token())
        sessions.revoke_family("f1", "reuse", NOON)

        sessions.revoke_family("f1", "logout", NOON + timedelta(hours=1))

        assert sessions.family_revoked_at("f1") == NOON

    def test_family_exists_keeps_revocation_from_creating_a_family(self, sessions):
        sessions.revoke_family("f-unknown", "logout", NOON)

        assert sessions.family_revoked_at("f-unknown") is None

    def test_revoking_one_family_leaves_the_others_active(self, sessions):
        sessions.start(a_token("t1", "f1"))
        sessions.start(a_token("t9", "f9"))

        sessions.revoke_family("f1", "logout", NOON)

        assert sessions.rotate("t9", a_token("t10", "f9"), NOON) is Rotation.ROTATED


class TestLoginCounters:
    PURGE = NOON + timedelta(hours=1)

    def test_failures_below_limit_lets_exactly_limit_slots_be_taken(self, counters):
        taken = [counters.take("k", 3, self.PURGE) for _ in range(5)]

        assert taken == [True, True, True, False, False]
        assert counters.count("k") == 3

    def test_keys_are_counted_apart(self, counters):
        counters.take("a", 1, self.PURGE)

        assert counters.take("b", 1, self.PURGE) is True
        assert counters.take("a", 1, self.PURGE) is False

    def test_a_slot_given_back_can_be_taken_again(self, counters):
        counters.take("k", 2, self.PURGE)
        counters.take("k", 2, self.PURGE)

        counters.give_back("k")

        assert counters.count("k") == 1
        assert counters.take("k", 2, self.PURGE) is True

    def test_a_failure_is_counted_keeps_the_count_from_going_below_zero(self, counters):
        counters.give_back("k")
        counters.give_back("k")

        assert counters.count("k") == 0
        assert [counters.take("k", 1, self.PURGE) for _ in range(2)] == [True, False]

    def test_clear_forgets_the_key(self, counters):
        counters.take("k", 1, self.PURGE)

        counters.clear("k")

        assert counters.count("k") == 0
        assert counters.take("k", 1, self.PURGE) is True


class TestLoginStates:
    def test_a_started_family_is_active_and_a_revoked_one_tells_when(self, sessions):
        sessions.start(a_token(family_id="f1"))
        sessions.start(a_token(token_hash="t2", family_id="f2"))

        sessions.revoke_family("f2", "logout", NOON + timedelta(minutes=5))

        assert sessions.family_revoked_at("f1") is None
        assert sessions.family_revoked_at("f2") == NOON + timedelta(minutes=5)

    def test_revoke_user_ends_every_active_login_of_that_user_and_no_one_elses(self, sessions):
        sessions.start(a_token(family_id="f1"))
        sessions.start(a_token(token_hash="t2", family_id="f2"))
        sessions.start(replace(a_token(token_hash="t3", family_id="f_bob"), user_id="u_bob"))
        sessions.revoke_family("f2", "logout", NOON)

        ended = sessions.revoke_user("u_alice", "promoted", NOON + timedelta(minutes=1))

        assert ended == 1
        assert sessions.family_revoked_at("f1") == NOON + timedelta(minutes=1)
        assert sessions.family_revoked_at("f2") == NOON  # the first revocation is kept
        assert sessions.family_revoked_at("f_bob") is None
        assert sessions.rotate("t1", a_token(token_hash="t4", family_id="f1"), NOON) is Rotation.FAMILY_REVOKED
