"""A per-item rollback for moto's ``TransactWriteItems``, for the local cloud only.

moto 5.2.5 deep-copies every table a transaction touches before applying it, as its rollback
snapshot, so one transaction costs O(table size): about 5 transactions/s at 5,000 items, which makes
the local cloud useless for a rush on one screening. This replacement snapshots only the items the
transaction touches (a deep copy of each, taken just before it is written) and restores exactly
those when the transaction is cancelled. Everything else is moto's own code path, in moto's order:
the same validation errors, the same ``TransactionCanceledException`` with one reason per item (and
the ``ALL_OLD`` item where asked), all-or-nothing.

Guarantees and their condition:

- **Safe only because requests are serialized.** Neither moto's snapshot nor this one takes a lock:
  a transaction that reads, writes and then rolls back must run alone, or a rollback can overwrite a
  write that another request made in between. `scripts.localcloud.moto_server` runs every request
  under one lock; never install this in a moto that serves requests concurrently.
- A rollback restores the touched items and the table's stream records, which is everything a write
  changes in moto 5.2.5 (moto sorts every scan and query by key, so where an item sits in its
  dictionary is not observable); `moto_query`'s GSI indexes are told of each restored item.
- Each item's condition is evaluated once, before its write (moto 5.2.5 evaluates it again inside the
  write, to the same result since nothing runs in between); the journal copies an item only when the
  write changes it in place (an update), and keeps the item itself when a put or a delete replaces it.
- One deliberate difference: an entry naming two operations (``TransactWriteSingleOpException``) rolls
  back the items already written; moto 5.2.5 leaves them written, which breaks all-or-nothing.
- Installed only on the pinned moto version (`require_pinned_moto`): another version may have
  changed the code this mirrors.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from scripts.localcloud import moto_query
from scripts.localcloud.moto_patch import (  # noqa: F401 - re-exported for callers
    PINNED_MOTO_VERSION,
    MotoPatch,
    UnsupportedMotoVersion,
    require_pinned_moto,
)

_ORIGINAL = DynamoDBBackend.transact_write_items


class _Journal:
    """What a transaction changed, so that a cancellation can put exactly that back."""

    def __init__(self) -> None:
        self._items: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = []
        self._stream_marks: dict[int, tuple[Table, int]] = {}

    def remember(self, table: Table, hash_value: DynamoType, range_value: DynamoType | None, *, changed: bool) -> None:
        """Before a write: `changed` when it changes the item in place (an update), which needs a copy; a put
        or a delete puts another object in its slot or none, so the item itself is what to put back."""
        current = table.get_item(hash_value, range_value)
        self._items.append((table, hash_value, range_value, copy.deepcopy(current) if changed else current))
        if table.stream_shard is not None and id(table) not in self._stream_marks:
            self._stream_marks[id(table)] = (table, len(table.stream_shard.items))

    def rollback(self) -> None:
        for table, hash_value, range_value, original in reversed(self._items):
            container = _container(table, hash_value, range_value)
            slot = range_value if range_value is not None else hash_value
            if original is None:
                container.pop(slot, None)
            else:
                container[slot] = original
            moto_query.item_changed(table, hash_value, range_value)
        for table, mark in self._stream_marks.values():
            shard = table.stream_shard
            if shard is not None and len(shard.items) >= mark:
                del shard.items[mark:]


def _container(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> dict:
    return table.items[hash_value] if range_value is not None else table.items


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2.5's `DynamoDBBackend.transact_write_items`, with a per-item journal instead of table copies."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    journal = _Journal()
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            journal.rollback()
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")

            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            expression_attribute_names = op.get("ExpressionAttributeNames")
            expression_attribute_values = op.get("ExpressionAttributeValues")
            return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")

            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]

            check_unicity(table_name, key)

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(
                    condition_expression, expression_attribute_names, expression_attribute_values
                )
                if not condition_op.expr(current):
                    if return_values_on_condition_check_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

            if op_type != "ConditionCheck":
                table = self.get_table(table_name)
                journal.remember(table, *self.get_keys_value(table, key), changed=op_type == "Update")
            # The condition held just above and nothing ran since (serialized): moto 5.2.5 evaluates it a
            # second time inside each write, which changes nothing but the cost, so the writes get none.
            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=expression_attribute_names,
                    expression_attribute_values=expression_attribute_values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            journal.rollback()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:  # moto reports any other failure as this item's cancellation reason
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]

    if any(code is not None for code, _, _ in errors):
        journal.rollback()
        raise TransactionCanceledException(errors)


PATCH = MotoPatch((DynamoDBBackend, "transact_write_items", transact_write_items))
install, uninstall, installed, per_item_transactions = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
