"""Base-table Query in moto by partition, not by sorting the whole table (local cloud only, moto pinned).

moto 5.2's `Table.query` gathers its candidates from `all_items()`, which sorts every item of the table
by key, then keeps those of the asked partition. With 20 screenings of 300 seats a seat-map Query took
~1.2 s (measured), most of it comparing keys of other screenings. moto already stores items by
partition (`Table.items[hash][range]`), so while a base-table Query runs, `all_items()` answers with
that partition only; the query's own filter, sort, paging and projection are unchanged. GSI queries
and scans still see the whole table. `tests/contract/localcloud/test_moto_query.py` shows the answers
are the same as stock moto's. Safe only inside the serialized server (one request at a time) or a
single-threaded test: the partition is passed through a thread-local.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.dynamodb.models.table import Table

from scripts.localcloud.moto_patch import MotoPatch

_ORIGINAL_QUERY = Table.query
_ORIGINAL_ALL_ITEMS = Table.all_items
_partition = threading.local()


def all_items(self: Table) -> list:
    wanted = getattr(_partition, "key", None)
    if wanted is None or not self.range_key_attr or getattr(_partition, "table", None) is not self:
        return _ORIGINAL_ALL_ITEMS(self)
    bucket = self.items.get(wanted) or {}
    return sorted(bucket.values(), key=lambda item: item.range_key)


def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any):
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)  # moto passes it 8th, by position
    if hash_key is None or index_name:
        return _ORIGINAL_QUERY(self, hash_key, *args, **kwargs)
    _partition.key, _partition.table = hash_key, self
    try:
        return _ORIGINAL_QUERY(self, hash_key, *args, **kwargs)
    finally:
        _partition.key = _partition.table = None


PATCH = MotoPatch((Table, "query", query), (Table, "all_items", all_items))
install, uninstall, installed, by_partition = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
