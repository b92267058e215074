"""DynamoDB Query in moto by partition, not by sorting the whole table (local cloud only, moto pinned).

moto 5.2's `Table.query` gathers its candidates from `all_items()`, which sorts every item of the table by
key, then keeps those that match. With 20 screenings of 300 seats a seat-map Query took ~1.2 s (measured),
most of it comparing keys of other screenings; a GSI query (the hold sweep's, a user's reservations) grows
with every reservation ever made. While a Query runs, `all_items()` here answers with its candidates only:

- base table: the asked partition (moto already stores items by partition, ``Table.items[hash][range]``);
- global secondary index (one hash key, at most one range key): the items of that index partition within
  the key condition's range, from the exclusive start key, up to ``Limit`` + 2, kept in index order by
  `moto_gsi_index.GsiPartitions`. Each index is built on its first query and then kept by hooks on every
  way moto writes an item (``Table.put_item`` / ``delete_item``, ``DynamoDBBackend.update_item``, which
  changes items in place, and `moto_transactions`' rollback through `item_changed`).

moto's own code still filters, sorts, pages, projects and applies filter expressions, so answers stay
moto's: `tests/contract/localcloud/test_moto_query.py` compares them with stock moto's, random writes
included. Scans, multi-attribute GSI keys and legacy ``KeyConditions`` filters stay moto's.
Safe only inside the serialized server (one request at a time) or a single-threaded test: the candidates
are passed through a thread-local.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from scripts.localcloud.moto_gsi_index import GsiPartitions
from scripts.localcloud.moto_patch import MotoPatch

_ORIGINAL_QUERY = Table.query
_ORIGINAL_ALL_ITEMS = Table.all_items
_ORIGINAL_PUT = Table.put_item
_ORIGINAL_DELETE = Table.delete_item
_ORIGINAL_UPDATE = DynamoDBBackend.update_item
_QUERY_ARGUMENTS = inspect.signature(_ORIGINAL_QUERY)
_INDEXES = "_local_cloud_gsi"
_scope = threading.local()
_generation = 0  # bumped on install and uninstall: an index kept before may have missed writes


def all_items(self: Table) -> list:
    if getattr(_scope, "table", None) is self:
        return _scope.items
    return _ORIGINAL_ALL_ITEMS(self)


def query(self: Table, *args: Any, **kwargs: Any):
    request = _QUERY_ARGUMENTS.bind(self, *args, **kwargs).arguments
    items = _gsi_candidates(self, request) if request.get("index_name") else _partition(self, request["hash_key"])
    if items is None:
        return _ORIGINAL_QUERY(self, *args, **kwargs)
    _scope.table, _scope.items = self, items
    try:
        return _ORIGINAL_QUERY(self, *args, **kwargs)
    finally:
        _scope.table = _scope.items = None


def _partition(table: Table, hash_key: Any) -> list | None:
    if hash_key is None or not table.range_key_attr:
        return None
    bucket = table.items.get(hash_key) or {}
    return sorted(bucket.values(), key=lambda item: item.range_key)


def _gsi_candidates(table: Table, request: dict[str, Any]) -> list | None:
    """The items of the queried index partition that the answer can contain; None: leave it to moto."""
    index = next((gsi for gsi in table.global_indexes if gsi.name == request["index_name"]), None)
    if index is None or not GsiPartitions.supports(index) or request.get("filter_kwargs"):
        return None
    partitions = _index(table, index)
    hash_conditions = request.get("hash_key_conditions") or []
    range_conditions = request.get("range_key_conditions") or []
    if partitions is None or [name for name, _ in hash_conditions] != [partitions.hash_attr]:
        return None
    if len(range_conditions) > 1 or any(name != partitions.range_attr for name, _, _ in range_conditions):
        return None
    limit, start = request.get("limit"), request.get("exclusive_start_key")
    start_order = partitions.order_of(start, table, DynamoType) if start else None
    if start and start_order is None:
        limit = None  # a start key moto reads differently: hand moto the whole range
    try:
        keys = partitions.candidates(
            hash_conditions[0][1],
            request.get("range_comparison") if partitions.range_attr else None,
            request.get("range_objs") or [],
            start_order,
            request.get("scan_index_forward") is not False,
            limit,
        )
    except TypeError:  # values of different types under one key: moto decides what that means
        return None
    return [_stored(table, hash_value, range_value) for hash_value, range_value in keys]


def _stored(table: Table, hash_value: Any, range_value: Any) -> Any:
    return table.items[hash_value][range_value] if table.range_key_attr else table.items[hash_value]


def _index(table: Table, index: Any) -> GsiPartitions | None:
    state = table.__dict__.get(_INDEXES)
    if state is None or state["generation"] != _generation:
        state = table.__dict__[_INDEXES] = {"generation": _generation, "indexes": {}}
    partitions = state["indexes"].get(index.name)
    if partitions is None or partitions.schema != tuple((k["AttributeName"], k["KeyType"]) for k in index.schema):
        try:
            partitions = state["indexes"][index.name] = GsiPartitions(table, index)
        except TypeError:
            state["indexes"].pop(index.name, None)
            return None
    return partitions


# --- keeping the indexes: every way moto 5.2.5 writes an item ---------------------------------------------


def item_changed(table: Table, hash_value: Any, range_value: Any) -> None:
    """Re-read the item at this key into the table's GSI indexes (a no-op for a table without any)."""
    state = table.__dict__.get(_INDEXES)
    if state is None or state["generation"] != _generation or not state["indexes"]:
        return
    bucket = table.items.get(hash_value)
    item = bucket.get(range_value) if table.range_key_attr and bucket is not None else bucket
    for name, partitions in list(state["indexes"].items()):
        try:
            partitions.item_changed((hash_value, range_value), item)
        except TypeError:
            del state["indexes"][name]  # rebuilt, or left to moto, at the next query


def put_item(self: Table, *args: Any, **kwargs: Any):
    item = _ORIGINAL_PUT(self, *args, **kwargs)
    item_changed(self, item.hash_key, item.range_key)
    return item


def delete_item(self: Table, hash_key: Any, range_key: Any):
    item = _ORIGINAL_DELETE(self, hash_key, range_key)
    if item is not None:
        item_changed(self, item.hash_key, item.range_key)
    return item


def update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any):
    """moto updates the stored item in place: re-read it afterwards, whether the update succeeded or not."""
    try:
        return _ORIGINAL_UPDATE(self, table_name, key, *args, **kwargs)
    finally:
        table = _table_named(self, table_name)
        if table is not None and table.__dict__.get(_INDEXES):
            if table.hash_key_attr in key:
                hash_value = DynamoType(key[table.hash_key_attr])
                range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
                item_changed(table, hash_value, range_value)
            else:  # a key moto reads its own way: rebuild the indexes at the next query
                table.__dict__.pop(_INDEXES)


def _table_named(backend: DynamoDBBackend, name_or_arn: str) -> Table | None:
    try:
        return backend.get_table(name_or_arn)
    except Exception:  # no such table: the update changed nothing
        return None


class _QueryPatch(MotoPatch):
    def install(self) -> None:
        global _generation
        _generation += 1
        super().install()

    def uninstall(self) -> None:
        global _generation
        _generation += 1
        super().uninstall()


PATCH = _QueryPatch(
    (Table, "query", query),
    (Table, "all_items", all_items),
    (Table, "put_item", put_item),
    (Table, "delete_item", delete_item),
    (DynamoDBBackend, "update_item", update_item),
)
install, uninstall, installed, by_partition = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
