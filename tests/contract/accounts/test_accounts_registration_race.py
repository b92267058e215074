"""Concurrent registrations of one email produce exactly one account: the database decides, not a prior read."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from moto.dynamodb.models import DynamoDBBackend

from chalicelib.adapters.dynamodb.accounts import DynamoLoginCounters, DynamoSessions, DynamoUsers
from chalicelib.adapters.dynamodb.models.accounts import EmailClaimItem, UserItem
from chalicelib.adapters.passwords import Argon2PasswordHasher
from chalicelib.domain.accounts import User
from chalicelib.domain.errors import Conflict, DependencyUnavailable
from chalicelib.services.accounts import AccountPolicy, AccountService
from chalicelib.services.tokens import AccessTokens
from tests.fakes.clock import FakeClock

CONTENDERS = 6


class EveryoneArrivesBeforeWriting:
    """The user repository, but each `add` waits until every contender is about to write.

    So every contender has done whatever it does first (validation, hashing, any read it might make)
    before any of them writes: a read-then-write check would see "free" everywhere and let all through.
    """

    def __init__(self, inner: DynamoUsers, contenders: int):
        self._inner = inner
        self._barrier = threading.Barrier(contenders, timeout=30)

    def add(self, user):
        self._barrier.wait()
        return self._inner.add(user)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.fixture
def transactions_one_at_a_time(monkeypatch):
    """moto's in-process TransactWriteItems is not thread-safe (it snapshots whole tables without a lock);
    DynamoDB itself applies a transaction atomically. The lock gives moto that atomicity and nothing more:
    it wraps only moto's transaction, so every decision is still made by our condition inside it."""
    original = DynamoDBBackend.transact_write_items
    lock = threading.Lock()

    def atomic(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", atomic)


def test_concurrent_registrations_of_one_email_create_exactly_one_account(aws, transactions_one_at_a_time):
    clock = FakeClock()
    racing_users = EveryoneArrivesBeforeWriting(DynamoUsers(), CONTENDERS)
    accounts = AccountService(
        racing_users,
        DynamoSessions(),
        DynamoLoginCounters(),
        Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
        AccessTokens(aws, clock),
        clock,
        AccountPolicy(),
    )

    def register(n: int):
        try:
            return accounts.register("Race@Example.com", f"password number {n}", f"Racer {n}")
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(CONTENDERS) as pool:
        outcomes = list(pool.map(register, range(CONTENDERS)))

    winners = [outcome for outcome in outcomes if not isinstance(outcome, Conflict)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
    assert len(winners) == 1
    assert {loser.code for loser in losers} == {"email_taken"}
    assert len(losers) == CONTENDERS - 1
    accounts_for_email = [user for user in UserItem.scan() if user.email == "race@example.com"]
    assert [user.id for user in accounts_for_email] == [winners[0].user.id]
    assert EmailClaimItem.get("race@example.com").user_id == winners[0].user.id


def conflicting_first(monkeypatch, times: int):
    """DynamoDB cancels a transaction that meets another one in flight on the same item (TransactionConflict)."""
    from moto.dynamodb.exceptions import TransactionCanceledException

    original = DynamoDBBackend.transact_write_items
    calls = {"n": 0}

    def conflicting(self, transact_items, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise TransactionCanceledException(
                [(None, None, None)] * (len(transact_items) - 1) + [("TransactionConflict", "in flight", None)]
            )
        return original(self, transact_items, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", conflicting)


def test_a_registration_cancelled_by_a_concurrent_transaction_is_retried_until_the_condition_decides(aws, monkeypatch):
    users = DynamoUsers()
    conflicting_first(monkeypatch, times=2)

    added = users.add(User("u_1", "alice@example.com", "Alice", "customer", "$argon2id$h", FakeClock().now()))

    assert added is True
    assert users.find_by_email("alice@example.com").id == "u_1"


def test_a_store_that_keeps_conflicting_is_a_503_not_a_500(aws, monkeypatch):
    users = DynamoUsers()
    conflicting_first(monkeypatch, times=100)

    with pytest.raises(DependencyUnavailable):
        users.add(User("u_1", "alice@example.com", "Alice", "customer", "$argon2id$h", FakeClock().now()))

    assert users.find_by_email("alice@example.com") is None
