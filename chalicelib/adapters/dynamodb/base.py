"""What every DynamoDB adapter shares: the base model, and the one way to tell that a condition refused a write.

The rule every adapter follows (docs/architecture.md, "Storage refusals"): a write whose named condition
fails raises the domain error its port documents, here at the boundary, with the storage error as its
cause; a method that asks a question of a condition returns the answer. Whether a condition failed is
read only through `condition_failed` (one item) and `Transaction` (many items).

Storage that is too busy to decide is not a refusal: once botocore's own retries are spent, every call of
every model that DynamoDB throttled (or that met a transaction in flight) raises `ServiceBusy`, here in
`raise_when_busy`, from the storage error; so does a transaction that only met other transactions
after the adapter's retries (`busy`). Nothing was decided then, so it never reads as a refusal.
"""

from __future__ import annotations

import random
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.connection import Connection, TableConnection
from pynamodb.exceptions import CancellationReason, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import ServiceBusy

CONDITION_FAILED = "ConditionalCheckFailed"  # a transaction item's cancellation reason
TRANSACTION_CONFLICT = "TransactionConflict"  # another transaction was writing the item at that moment

BUSY_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",  # a single-item write met a transaction in flight on the item
        "TransactionInProgressException",  # the same ClientRequestToken is still being processed
        "InternalServerError",
        "ServiceUnavailable",
    }
)
"""Error codes of a call that storage did not decide: try again later (503 ``service_busy``)."""
BUSY_REASONS = frozenset({"ProvisionedThroughputExceeded", "ThrottlingError", "RequestLimitExceeded"})
"""Cancellation reasons of a transaction item that storage did not decide (TransactionConflict is retried first)."""
BUSY_RETRY_AFTER_SECONDS = 1
CLIENT_TOKEN_MAX_CHARS = 36  # DynamoDB's constraint on a transaction's ClientRequestToken


class CinemaModel(Model):
    """Subclasses set ``Meta.table_name`` to a short name (``"seats"``); `tables.configure` prefixes it per stage.

    TTL comes from a `TTLAttribute` (garbage collection only, never correctness), streams from
    ``Meta.stream_view_type``: the CloudFormation template is derived from the models, never written by hand.
    """

    class Meta:
        abstract = True
        table_name = "abstract"
        billing_mode = "PAY_PER_REQUEST"

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """PynamoDB's connection, whose botocore client raises `ServiceBusy` for a call storage did not decide.

        PynamoDB asks for the connection on every call, and may build a new client (when its credentials went
        missing): the hook is registered once per client, not per call (botocore's `register` inspects the
        handler's signature each time, ~25 us).
        """
        connection = super()._get_connection()
        client = connection.connection.client
        if client not in _BUSY_HOOKED:
            client.meta.events.register("after-call.dynamodb", raise_when_busy, unique_id="cinema-raise-when-busy")
            _BUSY_HOOKED.add(client)
        return connection


_BUSY_HOOKED: weakref.WeakSet[Any] = weakref.WeakSet()
"""The botocore clients `raise_when_busy` is registered on (``unique_id`` keeps a race between threads harmless)."""


# --- storage too busy to decide ----------------------------------------------------------------------------


def busy() -> ServiceBusy:
    """The error of a call storage did not decide (raise it ``from`` the storage error)."""
    return ServiceBusy(BUSY_RETRY_AFTER_SECONDS, "Bookings are busy right now; nothing was changed. Try again.")


def is_busy(parsed: dict[str, Any]) -> bool:
    """Whether DynamoDB's error answer means "not decided": throttled, or an item busy in another transaction."""
    code = parsed.get("Error", {}).get("Code", "")
    reasons = {reason.get("Code") for reason in parsed.get("CancellationReasons") or ()}
    return code in BUSY_ERRORS or (code == "TransactionCanceledException" and bool(reasons & BUSY_REASONS))


def raise_when_busy(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore's ``after-call`` event, after its own retries: an undecided answer raises `ServiceBusy`.

    Raised here, before PynamoDB wraps the error, so no adapter can mistake it for a refusal.
    """
    if http_response is not None and http_response.status_code >= 300 and is_busy(parsed):
        raise busy() from ClientError(parsed, model.name)


# --- one item ------------------------------------------------------------------------------------------


def condition_failed(error: PynamoDBException) -> bool:
    """Whether a single-item write (put, update, delete) was refused by its condition."""
    return error.cause_response_code == "ConditionalCheckFailedException"


@contextmanager
def refused_as(refusal: Callable[[], Exception]) -> Iterator[None]:
    """Inside, a single-item write refused by its condition raises ``refusal()`` from the storage error.

    Any other error propagates as it is. ``refusal`` is called only on a refusal, so it may read.
    """
    try:
        yield
    except PynamoDBException as error:
        if not condition_failed(error):
            raise
        raise refusal() from error


# --- many items ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cancellation:
    """Why DynamoDB cancelled a transaction: the reason of each labelled item that gave one."""

    error: TransactWriteError
    reasons: dict[str, CancellationReason] = field(default_factory=dict)

    def failed(self, label: str) -> bool:
        """Whether this item's condition failed."""
        reason = self.reasons.get(label)
        return reason is not None and reason.code == CONDITION_FAILED

    def failed_labels(self, prefix: str = "") -> list[str]:
        """The labels, starting with `prefix`, of every item whose condition failed (in the order they were added)."""
        return [label for label in self.reasons if label.startswith(prefix) and self.failed(label)]

    def old_item(self, label: str) -> dict[str, Any] | None:
        """The item as it was when its condition failed, if the write asked for it (``all_old``)."""
        reason = self.reasons.get(label)
        return reason.raw_item if reason is not None else None

    @property
    def conflict_only(self) -> bool:
        """Only concurrent transactions were in the way (no condition failed), so trying again may succeed."""
        return bool(self.reasons) and all(reason.code == TRANSACTION_CONFLICT for reason in self.reasons.values())


class Transaction:
    """One ``TransactWriteItems`` whose items carry labels, so a cancellation says which item refused and why.

    PynamoDB sends condition checks, then deletes, puts and updates; DynamoDB gives the reasons in that order.
    """

    _KINDS = ("check", "delete", "put", "update")

    def __init__(self, model: type[Model], token: str | None = None):
        if token is not None and not 1 <= len(token) <= CLIENT_TOKEN_MAX_CHARS:
            # DynamoDB answers ValidationException, which botocore does not check before sending (nor moto after).
            raise ValueError(f"a ClientRequestToken is 1 to {CLIENT_TOKEN_MAX_CHARS} characters: {token!r}")
        self._model = model
        self._token = token
        self._ops: list[tuple[str, str, Callable[[TransactWrite], None]]] = []

    def check(self, label: str, model: type[Model], hash_key: str, condition: Condition) -> None:
        self._add("check", label, lambda tx: tx.condition_check(model, hash_key, condition=condition))

    def save(self, label: str, item: Model, condition: Condition | None = None, all_old: bool = False) -> None:
        values = "ALL_OLD" if all_old else None
        self._add("put", label, lambda tx: tx.save(item, condition=condition, return_values=values))

    def update(
        self, label: str, item: Model, actions: Sequence[Action], condition: Condition | None, all_old: bool = False
    ) -> None:
        values = "ALL_OLD" if all_old else None
        self._add("update", label, lambda tx: tx.update(item, list(actions), condition, return_values=values))

    def delete(self, label: str, item: Model, condition: Condition) -> None:
        self._add("delete", label, lambda tx: tx.delete(item, condition=condition))

    def commit(self) -> Cancellation | None:
        """None once written; the cancellation when DynamoDB refused the whole. Any other error propagates."""
        connection: Connection = self._model._get_connection().connection
        try:
            with TransactWrite(connection=connection, client_request_token=self._token) as tx:
                for _, _, op in self._ops:
                    op(tx)
        except TransactWriteError as error:
            if error.cause_response_code != "TransactionCanceledException":
                raise
            labels = [label for kind in self._KINDS for k, label, _ in self._ops if k == kind]
            reasons = {
                label: reason
                for label, reason in zip(labels, error.cancellation_reasons or [], strict=False)
                if reason is not None and reason.code not in (None, "None")
            }
            return Cancellation(error, reasons)
        return None

    def _add(self, kind: str, label: str, op: Callable[[TransactWrite], None]) -> None:
        self._ops.append((kind, label, op))


def back_off(attempt: int) -> None:
    """Wait a little, longer at each attempt and jittered, before retrying a transaction that met another."""
    time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
