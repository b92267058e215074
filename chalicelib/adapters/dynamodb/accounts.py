"""DynamoDB repositories of accounts. Every race is settled by a named condition:

``email_is_unclaimed``     the user and its email claim are written in one transaction; a second account
                           for the address cancels it (register, create_admin)
``token_is_unspent``       a refresh token is spent once; the rotation transaction also requires
``family_is_active``       the token's login not to be revoked, and stores the successor
``family_exists``          revocation never creates a family out of thin air
``user_exists``            role and password changes never create a user out of thin air
``failures_below_limit``   a failed-login slot is taken only while the window's count is under the limit
``a_failure_is_counted``   a slot is given back only if one is counted

Costs: register 2 transactional puts (4 WCU); login 2-3 updates + 2 strongly consistent reads; refresh
1 read + a 3-item transaction (6 WCU); logout 1 read + 1 update.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb.models.accounts import (
    EmailClaimItem,
    LoginFailureItem,
    RefreshTokenItem,
    TokenFamilyItem,
    UserItem,
)
from chalicelib.domain.accounts import RefreshTokenRecord, Rotation, User
from chalicelib.domain.clock import epoch_ms, from_epoch_ms
from chalicelib.domain.errors import DependencyUnavailable, NotFound
from chalicelib.domain.identity import Role
from chalicelib.logs import logger

CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"
TRANSACTION_ATTEMPTS = 4
PURGE_GRACE = timedelta(days=1)  # TTL only collects garbage; expiry is judged on read


def _connection_for(model: type) -> Connection:
    meta = model.Meta
    return Connection(
        region=meta.region,
        host=meta.host,
        max_retry_attempts=getattr(meta, "max_retry_attempts", None),
        connect_timeout_seconds=getattr(meta, "connect_timeout_seconds", None),
        read_timeout_seconds=getattr(meta, "read_timeout_seconds", None),
    )


def _failed_conditions(exc: TransactWriteError, labels: Sequence[str]) -> set[str]:
    """Labels (in PynamoDB's item order: condition checks, deletes, puts, updates) whose condition failed."""
    reasons = exc.cancellation_reasons or []
    return {label for label, reason in zip(labels, reasons, strict=False) if reason and reason.code == CONDITION_FAILED}


def _transact(build: Callable[[TransactWrite], None], connection: Connection) -> None:
    """Run a transaction; retry while DynamoDB cancels it for a concurrent transaction on the same items.

    A ``TransactionConflict`` means another transaction was in flight: once it settles, the retry sees its
    outcome through our conditions. Condition failures are the caller's to interpret.
    """
    for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
        try:
            with TransactWrite(connection=connection) as tx:
                build(tx)
            return
        except TransactWriteError as exc:
            codes = {reason.code for reason in (exc.cancellation_reasons or []) if reason}
            if TRANSACTION_CONFLICT not in codes or CONDITION_FAILED in codes:
                raise
            if attempt == TRANSACTION_ATTEMPTS:
                raise DependencyUnavailable(message="The account store is busy. Try again.") from exc
            time.sleep(0.02 * attempt)


def _condition_failed(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


class DynamoUsers:
    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _tx_connection(self) -> Connection:
        if self._connection is None:
            self._connection = _connection_for(UserItem)
        return self._connection

    def add(self, user: User) -> bool:
        email_is_unclaimed = EmailClaimItem.email.does_not_exist()
        item = UserItem(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            password_hash=user.password_hash,
            created_at_ms=epoch_ms(user.created_at),
        )

        def build(tx: TransactWrite) -> None:
            tx.save(item)
            tx.save(EmailClaimItem(email=user.email, user_id=user.id), condition=email_is_unclaimed)

        try:
            _transact(build, self._tx_connection())
        except TransactWriteError as exc:
            if "claim" in _failed_conditions(exc, ["user", "claim"]):
                return False
            raise
        return True

    def get(self, user_id: str) -> User | None:
        try:
            return _user(UserItem.get(user_id, consistent_read=True))
        except DoesNotExist:
            return None

    def find_by_email(self, email: str) -> User | None:
        try:
            claim = EmailClaimItem.get(email, consistent_read=True)
        except DoesNotExist:
            return None
        return self.get(claim.user_id)

    def set_role(self, user_id: str, role: Role) -> User:
        return self._update(user_id, [UserItem.role.set(role)])

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._update(user_id, [UserItem.password_hash.set(password_hash)])

    def _update(self, user_id: str, actions: list) -> User:
        user_exists = UserItem.id.exists()
        item = UserItem(id=user_id)
        try:
            item.update(actions=actions, condition=user_exists)
        except UpdateError as exc:
            if _condition_failed(exc):
                raise NotFound("user_not_found", "There is no user with this id.") from exc
            raise
        return _user(item)


def _user(item: UserItem) -> User:
    return User(
        id=item.id,
        email=item.email,
        name=item.name,
        role=item.role,
        password_hash=item.password_hash,
        created_at=from_epoch_ms(item.created_at_ms),
    )


class DynamoSessions:
    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _tx_connection(self) -> Connection:
        if self._connection is None:
            self._connection = _connection_for(RefreshTokenItem)
        return self._connection

    def start(self, first: RefreshTokenRecord) -> None:
        TokenFamilyItem(
            family_id=first.family_id,
            user_id=first.user_id,
            created_at_ms=epoch_ms(first.issued_at),
            purge_at=first.expires_at + PURGE_GRACE,
        ).save()
        _token_item(first).save()

    def find(self, token_hash: str) -> RefreshTokenRecord | None:
        try:
            item = RefreshTokenItem.get(token_hash, consistent_read=True)
        except DoesNotExist:
            return None
        return RefreshTokenRecord(
            token_hash=item.token_hash,
            family_id=item.family_id,
            user_id=item.user_id,
            issued_at=from_epoch_ms(item.issued_at_ms),
            expires_at=from_epoch_ms(item.expires_at_ms),
            spent_at=from_epoch_ms(item.spent_at_ms) if item.spent_at_ms is not None else None,
        )

    def rotate(self, spent_hash: str, successor: RefreshTokenRecord, now: datetime) -> Rotation:
        token_is_unspent = RefreshTokenItem.token_hash.exists() & RefreshTokenItem.spent_at_ms.does_not_exist()
        family_is_active = TokenFamilyItem.family_id.exists() & TokenFamilyItem.revoked_at_ms.does_not_exist()

        def build(tx: TransactWrite) -> None:
            tx.save(_token_item(successor))
            tx.update(
                RefreshTokenItem(token_hash=spent_hash),
                actions=[RefreshTokenItem.spent_at_ms.set(epoch_ms(now))],
                condition=token_is_unspent,
            )
            tx.update(
                TokenFamilyItem(family_id=successor.family_id),
                actions=[
                    TokenFamilyItem.rotated_at_ms.set(epoch_ms(now)),
                    TokenFamilyItem.purge_at.set(successor.expires_at + PURGE_GRACE),
                ],
                condition=family_is_active,
            )

        try:
            _transact(build, self._tx_connection())
        except TransactWriteError as exc:
            failed = _failed_conditions(exc, ["successor", "spent", "family"])
            if "spent" in failed:
                return Rotation.ALREADY_SPENT
            if "family" in failed:
                return Rotation.FAMILY_REVOKED
            raise
        return Rotation.ROTATED

    def revoke_family(self, family_id: str, reason: str, now: datetime) -> None:
        family_exists = TokenFamilyItem.family_id.exists()
        try:
            TokenFamilyItem(family_id=family_id).update(
                actions=[
                    TokenFamilyItem.revoked_at_ms.set(TokenFamilyItem.revoked_at_ms | epoch_ms(now)),
                    TokenFamilyItem.revoked_reason.set(TokenFamilyItem.revoked_reason | reason),
                ],
                condition=family_exists,
            )
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise
            logger.info("no token family to revoke", extra={"family_id": family_id})

    def family_revoked_at(self, family_id: str) -> datetime | None:
        """When the family was revoked (None: active or unknown). For operators and tests."""
        try:
            item = TokenFamilyItem.get(family_id, consistent_read=True)
        except DoesNotExist:
            return None
        return from_epoch_ms(item.revoked_at_ms) if item.revoked_at_ms is not None else None


def _token_item(record: RefreshTokenRecord) -> RefreshTokenItem:
    return RefreshTokenItem(
        token_hash=record.token_hash,
        family_id=record.family_id,
        user_id=record.user_id,
        issued_at_ms=epoch_ms(record.issued_at),
        expires_at_ms=epoch_ms(record.expires_at),
        purge_at=record.expires_at + PURGE_GRACE,
    )


class DynamoLoginCounters:
    def take(self, key: str, limit: int, purge_at: datetime) -> bool:
        failures_below_limit = LoginFailureItem.failures.does_not_exist() | (LoginFailureItem.failures < limit)
        try:
            LoginFailureItem(counter_key=key).update(
                actions=[LoginFailureItem.failures.add(1), LoginFailureItem.purge_at.set(purge_at)],
                condition=failures_below_limit,
            )
        except UpdateError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def give_back(self, key: str) -> None:
        a_failure_is_counted = LoginFailureItem.failures > 0
        try:
            LoginFailureItem(counter_key=key).update(
                actions=[LoginFailureItem.failures.add(-1)], condition=a_failure_is_counted
            )
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise
            logger.info("no login failure to give back", extra={"counter_key": key})

    def clear(self, key: str) -> None:
        LoginFailureItem(counter_key=key).delete()

    def count(self, key: str) -> int:
        """The failures counted under ``key`` (0 when none). For operators and tests."""
        try:
            return int(LoginFailureItem.get(key, consistent_read=True).failures)
        except DoesNotExist:
            return 0
