"""The account use cases on in-memory repositories: registration, login, rotation, reuse, logout, admins."""

from __future__ import annotations

import argon2
import pytest

from chalicelib.adapters.passwords import Argon2PasswordHasher
from chalicelib.api.auth import AUTHORIZER_TTL_SECONDS
from chalicelib.domain.accounts import hash_refresh_token
from chalicelib.domain.errors import Conflict, InvalidRequest, NotFound, Unauthorized
from chalicelib.domain.identity import Principal
from chalicelib.services.accounts import REVOCATION_BOUND_SECONDS
from chalicelib.settings import Settings

PASSWORD = "correct horse battery"
LOGIN_STATE_CACHE_SECONDS = 30  # the policy's default


def test_a_registered_user_is_a_customer_with_a_hashed_password_and_a_first_session(accounts, users, tokens):
    session = accounts.register(" Alice@Example.com ", PASSWORD, " Alice ")

    stored = users.find_by_email("alice@example.com")
    assert session.user == stored
    assert (stored.email, stored.name, stored.role) == ("alice@example.com", "Alice", "customer")
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert tokens.verify(session.access.token) == Principal(stored.id, "customer")
    assert session.access.expires_in == 900


def test_a_second_account_for_the_same_mailbox_is_email_taken(accounts, users):
    first = accounts.register("alice@example.com", PASSWORD, "Alice")

    with pytest.raises(Conflict) as refused:
        accounts.register("ALICE@example.com", "another password", "Impostor")

    assert refused.value.code == "email_taken"
    assert users.find_by_email("alice@example.com") == first.user


def test_a_weak_password_stores_nothing(accounts, users):
    with pytest.raises(InvalidRequest) as refused:
        accounts.register("alice@example.com", "alice", "Alice")

    assert refused.value.code == "weak_password"
    assert users.find_by_email("alice@example.com") is None


def test_login_with_the_right_password_starts_a_new_session(accounts):
    registered = accounts.register("alice@example.com", PASSWORD, "Alice")

    session = accounts.login("ALICE@example.com", PASSWORD, "10.0.0.1")

    assert session.user.id == registered.user.id
    assert session.refresh_token != registered.refresh_token


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(accounts):
    accounts.register("alice@example.com", PASSWORD, "Alice")

    with pytest.raises(Unauthorized) as wrong_password:
        accounts.login("alice@example.com", "not the password", "10.0.0.1")
    with pytest.raises(Unauthorized) as unknown_email:
        accounts.login("nobody@example.com", PASSWORD, "10.0.0.1")

    assert (wrong_password.value.code, wrong_password.value.message, wrong_password.value.details) == (
        unknown_email.value.code,
        unknown_email.value.message,
        unknown_email.value.details,
    )
    assert wrong_password.value.code == "invalid_credentials"


class RecordingHasher(Argon2PasswordHasher):
    def __init__(self):
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, password_hash, password):
        self.verified.append(password_hash)
        return super().verify(password_hash, password)


def test_an_unknown_email_costs_one_full_password_verification_like_a_known_one(
    users, sessions, counters, tokens, clock, policy
):
    from chalicelib.services.accounts import AccountService

    hasher = RecordingHasher()
    accounts = AccountService(users, sessions, counters, hasher, tokens, clock, policy)

    with pytest.raises(Unauthorized):
        accounts.login("nobody@example.com", PASSWORD, None)

    assert hasher.verified == [hasher.dummy_hash]
    assert argon2.extract_parameters(hasher.dummy_hash) == argon2.extract_parameters(hasher.hash("x"))


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_the_next_good_login(
    users, sessions, counters, tokens, clock, policy
):
    from chalicelib.services.accounts import AccountService

    old = AccountService(users, sessions, counters, Argon2PasswordHasher(1, 8, 1), tokens, clock, policy)
    user = old.register("alice@example.com", PASSWORD, "Alice").user
    stronger = Argon2PasswordHasher(2, 16, 1)
    new = AccountService(users, sessions, counters, stronger, tokens, clock, policy)

    new.login("alice@example.com", PASSWORD, None)

    upgraded = users.get(user.id).password_hash
    assert argon2.extract_parameters(upgraded).time_cost == 2
    assert stronger.verify(upgraded, PASSWORD)


class TestRefresh:
    def test_refresh_spends_the_token_and_hands_out_a_new_pair_of_the_same_login(self, accounts, sessions, clock):
        first = accounts.register("alice@example.com", PASSWORD, "Alice")
        clock.advance(60)

        second = accounts.refresh(first.refresh_token)

        assert second.refresh_token != first.refresh_token
        assert second.access.token != first.access.token
        spent = sessions.find(hash_refresh_token(first.refresh_token))
        assert spent.spent_at == clock.now()
        assert sessions.find(hash_refresh_token(second.refresh_token)).family_id == spent.family_id

    def test_presenting_a_spent_token_revokes_the_whole_login(self, accounts, sessions):
        first = accounts.register("alice@example.com", PASSWORD, "Alice")
        newest = accounts.refresh(first.refresh_token)

        with pytest.raises(Unauthorized) as reused:
            accounts.refresh(first.refresh_token)
        with pytest.raises(Unauthorized) as newest_refused:
            accounts.refresh(newest.refresh_token)

        assert reused.value.code == "refresh_token_reused"
        assert newest_refused.value.code == "invalid_refresh_token"
        family = sessions.find(hash_refresh_token(first.refresh_token)).family_id
        assert sessions.family_revoked_at(family) is not None

    def test_reuse_revokes_only_that_login_not_the_users_other_sessions(self, accounts):
        phone = accounts.register("alice@example.com", PASSWORD, "Alice")
        laptop = accounts.login("alice@example.com", PASSWORD, None)
        accounts.refresh(phone.refresh_token)

        with pytest.raises(Unauthorized):
            accounts.refresh(phone.refresh_token)

        assert accounts.refresh(laptop.refresh_token).user.id == laptop.user.id

    def test_an_expired_refresh_token_is_invalid(self, accounts, clock):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")
        clock.advance(30 * 24 * 3600)

        with pytest.raises(Unauthorized) as refused:
            accounts.refresh(session.refresh_token)

        assert refused.value.code == "invalid_refresh_token"

    def test_an_unknown_refresh_token_is_invalid(self, accounts):
        with pytest.raises(Unauthorized) as refused:
            accounts.refresh("made-up")

        assert refused.value.code == "invalid_refresh_token"

    def test_a_refresh_token_of_a_user_who_no_longer_exists_is_invalid_and_ends_the_login(self, accounts, users):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")
        del users._users[session.user.id]  # an operator removed the account by hand

        with pytest.raises(Unauthorized) as refused:
            accounts.refresh(session.refresh_token)

        assert refused.value.code == "invalid_refresh_token"

    def test_a_refreshed_access_token_carries_the_users_current_role(self, accounts, users, tokens):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")
        users.set_role(session.user.id, "staff")

        refreshed = accounts.refresh(session.refresh_token)

        assert tokens.verify(refreshed.access.token).role == "staff"


class TestLogout:
    def test_logout_ends_the_login_so_its_refresh_token_no_longer_works(self, accounts):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")

        accounts.logout(session.refresh_token)

        with pytest.raises(Unauthorized) as refused:
            accounts.refresh(session.refresh_token)
        assert refused.value.code == "invalid_refresh_token"

    def test_logging_out_twice_is_harmless(self, accounts):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")
        accounts.logout(session.refresh_token)

        accounts.logout(session.refresh_token)

    def test_logout_with_an_unknown_token_is_invalid_refresh_token(self, accounts):
        with pytest.raises(Unauthorized) as refused:
            accounts.logout("made-up")

        assert refused.value.code == "invalid_refresh_token"


class TestMe:
    def test_me_is_the_signed_in_user(self, accounts):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")

        assert accounts.me(Principal(session.user.id, "customer")) == session.user

    def test_a_valid_token_for_a_user_that_does_not_exist_is_user_not_found(self, accounts):
        with pytest.raises(NotFound) as missing:
            accounts.me(Principal("u_gone", "customer"))

        assert missing.value.code == "user_not_found"


class TestCreateAdmin:
    def test_a_new_email_becomes_an_admin_who_can_sign_in(self, accounts, tokens):
        user_id = accounts.create_admin("root@example.com", PASSWORD, "Root")

        session = accounts.login("root@example.com", PASSWORD, None)

        assert session.user.id == user_id
        assert session.user.role == "admin"
        assert tokens.verify(session.access.token).role == "admin"

    def test_an_email_someone_registered_is_refused_and_the_account_is_left_as_it_was(self, accounts, users):
        squatter = accounts.register("root@example.com", PASSWORD, "Squatter").user

        with pytest.raises(Conflict) as refused:
            accounts.create_admin("root@example.com", "the operator's password", "Root")

        assert refused.value.code == "email_taken"
        assert users.get(squatter.id) == squatter
        assert accounts.login("root@example.com", PASSWORD, None).user.role == "customer"

    def test_promoting_an_account_gives_it_the_operators_password_and_never_keeps_the_old_one(self, accounts):
        customer = accounts.register("alice@example.com", PASSWORD, "Alice").user

        user_id = accounts.create_admin(
            "alice@example.com", "the operator's password", "Ignored", promote_existing=True
        )

        assert user_id == customer.id
        assert accounts.login("alice@example.com", "the operator's password", None).user.role == "admin"
        with pytest.raises(Unauthorized):
            accounts.login("alice@example.com", PASSWORD, None)

    def test_promoting_an_account_ends_every_login_it_had(self, accounts, clock):
        first = accounts.register("alice@example.com", PASSWORD, "Alice")
        second = accounts.login("alice@example.com", PASSWORD, None)

        accounts.create_admin("alice@example.com", "the operator's password", "Alice", promote_existing=True)
        clock.advance(LOGIN_STATE_CACHE_SECONDS)

        for session in (first, second):
            with pytest.raises(Unauthorized):
                accounts.refresh(session.refresh_token)
            with pytest.raises(Unauthorized):
                accounts.authenticate(session.access.token)

    def test_an_admin_created_again_with_another_password_is_refused_unless_promoted(self, accounts):
        accounts.create_admin("root@example.com", PASSWORD, "Root")

        with pytest.raises(Conflict):
            accounts.create_admin("root@example.com", "someone else's guess", "Root")

        assert accounts.login("root@example.com", PASSWORD, None).user.role == "admin"

    def test_running_it_twice_gives_the_same_admin(self, accounts):
        first = accounts.create_admin("root@example.com", PASSWORD, "Root")

        assert accounts.create_admin("root@example.com", PASSWORD, "Root") == first

    def test_a_new_admin_still_needs_a_strong_password(self, accounts):
        with pytest.raises(InvalidRequest) as refused:
            accounts.create_admin("root@example.com", "root", "Root")

        assert refused.value.code == "weak_password"


class TestAuthenticate:
    """A revoked login's access tokens stop within REVOCATION_BOUND_SECONDS; one small read per cache miss."""

    def test_a_valid_token_of_an_active_login_gives_its_principal(self, accounts):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")

        assert accounts.authenticate(session.access.token) == Principal(session.user.id, "customer")

    def test_after_logout_the_access_token_is_refused_once_the_login_state_is_read_again(self, accounts, clock):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")
        accounts.authenticate(session.access.token)  # the login's state is now remembered as active

        accounts.logout(session.refresh_token)
        still_remembered = accounts.authenticate(session.access.token)
        clock.advance(LOGIN_STATE_CACHE_SECONDS)

        assert still_remembered.user_id == session.user.id
        with pytest.raises(Unauthorized):
            accounts.authenticate(session.access.token)

    def test_a_login_revoked_for_refresh_token_reuse_stops_its_access_tokens(self, accounts, clock):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")
        rotated = accounts.refresh(session.refresh_token)
        accounts.authenticate(rotated.access.token)

        with pytest.raises(Unauthorized):
            accounts.refresh(session.refresh_token)  # reuse: the whole login is revoked
        clock.advance(LOGIN_STATE_CACHE_SECONDS)

        for token in (session.access.token, rotated.access.token):
            with pytest.raises(Unauthorized):
                accounts.authenticate(token)

    def test_other_logins_of_the_same_user_keep_working(self, accounts, clock):
        phone = accounts.register("alice@example.com", PASSWORD, "Alice")
        laptop = accounts.login("alice@example.com", PASSWORD, None)

        accounts.logout(phone.refresh_token)
        clock.advance(LOGIN_STATE_CACHE_SECONDS)

        assert accounts.authenticate(laptop.access.token).user_id == laptop.user.id

    def test_the_login_state_costs_one_read_per_login_per_cache_period(self, accounts, sessions, clock):
        session = accounts.register("alice@example.com", PASSWORD, "Alice")
        reads_before = sessions.state_reads

        for _ in range(50):
            accounts.authenticate(session.access.token)
            clock.advance(LOGIN_STATE_CACHE_SECONDS / 10)

        assert sessions.state_reads - reads_before == 5

    def test_the_two_caches_together_stay_within_the_documented_bound(self):
        assert AUTHORIZER_TTL_SECONDS + Settings().login_state_cache_seconds <= REVOCATION_BOUND_SECONDS == 60
