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
1 read + a 3-item transaction (6 WCU); logout 1 read + 1 update; an access token's login check 1 strongly
consistent read of its family (1 RCU) per authorizer and login-state cache miss.

The ports here ask questions of their conditions (may this email be claimed, is a failure slot left, can
this token be spent): the answers come back as values (`bool`, `Rotation`) for the service to act on;
a command whose condition fails (``user_exists``) raises its domain error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.adapters.dynamodb.base import Cancellation, Transaction, back_off, condition_failed, refused_as
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

TRANSACTION_ATTEMPTS = 4
PURGE_GRACE = timedelta(days=1)  # TTL only collects garbage; expiry is judged on read


def _commit(tx: Transaction) -> Cancellation | None:
    """Commit; retry while DynamoDB cancels it only for a concurrent transaction on the same items.

    A ``TransactionConflict`` means another transaction was in flight: once it settles, the retry sees its
    outcome through our conditions. Failed conditions are the caller's to interpret.
    """
    attempt = 0
    while (cancelled := tx.commit()) is not None and cancelled.conflict_only:
        attempt += 1
        if attempt == TRANSACTION_ATTEMPTS:
            raise DependencyUnavailable(message="The account store is busy. Try again.") from cancelled.error
        back_off(attempt)
    return cancelled


class DynamoUsers:
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
        tx = Transaction(UserItem)
        tx.save("user", item)
        tx.save("claim", EmailClaimItem(email=user.email, user_id=user.id), email_is_unclaimed)
        cancelled = _commit(tx)
        if cancelled is None:
            return True
        if cancelled.failed("claim"):
            return False
        raise cancelled.error

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

    def _update(self, user_id: str, actions: list[Action]) -> User:
        user_exists = UserItem.id.exists()
        item = UserItem(id=user_id)
        with refused_as(lambda: NotFound("user_not_found", "There is no user with this id.")):
            item.update(actions=actions, condition=user_exists)
        return _user(item)


def _user(item: UserItem) -> User:
    return User(
        id=item.id,
        email=item.email,
        name=item.name,
        role=cast(Role, item.role),
        password_hash=item.password_hash,
        created_at=from_epoch_ms(int(item.created_at_ms)),
    )


class DynamoSessions:
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
            issued_at=from_epoch_ms(int(item.issued_at_ms)),
            expires_at=from_epoch_ms(int(item.expires_at_ms)),
            spent_at=from_epoch_ms(int(item.spent_at_ms)) if item.spent_at_ms is not None else None,
        )

    def rotate(self, spent_hash: str, successor: RefreshTokenRecord, now: datetime) -> Rotation:
        token_is_unspent = RefreshTokenItem.token_hash.exists() & RefreshTokenItem.spent_at_ms.does_not_exist()
        family_is_active = TokenFamilyItem.family_id.exists() & TokenFamilyItem.revoked_at_ms.does_not_exist()

        tx = Transaction(RefreshTokenItem)
        tx.save("successor", _token_item(successor))
        spend = [RefreshTokenItem.spent_at_ms.set(epoch_ms(now))]
        tx.update("spent", RefreshTokenItem(token_hash=spent_hash), spend, token_is_unspent)
        rotate = [
            TokenFamilyItem.rotated_at_ms.set(epoch_ms(now)),
            TokenFamilyItem.purge_at.set(successor.expires_at + PURGE_GRACE),
        ]
        tx.update("family", TokenFamilyItem(family_id=successor.family_id), rotate, family_is_active)
        cancelled = _commit(tx)
        if cancelled is None:
            return Rotation.ROTATED
        if cancelled.failed("spent"):
            return Rotation.ALREADY_SPENT
        if cancelled.failed("family"):
            return Rotation.FAMILY_REVOKED
        raise cancelled.error

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
            if not condition_failed(exc):
                raise
            logger.info("no token family to revoke", extra={"family_id": family_id})

    def revoke_user(self, user_id: str, reason: str, now: datetime) -> int:
        """Every family the ``by_user`` index lists (eventually consistent: a login started within the last
        moment may be missed; the callers change the password first, so no new login can start)."""
        ended = 0
        for family in TokenFamilyItem.by_user.query(user_id):
            if self.family_revoked_at(family.family_id) is None:
                self.revoke_family(family.family_id, reason, now)
                ended += 1
        return ended

    def family_revoked_at(self, family_id: str) -> datetime | None:
        """When the family was revoked (None: active or unknown): the authorizer's login check, one small read."""
        try:
            item = TokenFamilyItem.get(family_id, consistent_read=True)
        except DoesNotExist:
            return None
        return from_epoch_ms(int(item.revoked_at_ms)) if item.revoked_at_ms is not None else None


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
            if condition_failed(exc):
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
            if not condition_failed(exc):
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
