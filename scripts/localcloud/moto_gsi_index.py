"""The items of one moto table's global secondary index, by index partition and in moto's order.

moto 5.2.5 answers a GSI Query by sorting every item of the table and comparing each with the key
condition: the hold sweep's query on ``active_by_expiry`` cost ~200 ms with 3,000 reservations (measured),
and a reservation is never deleted. `GsiPartitions` keeps, for each value of the index's hash key, the
items that carry it in the order moto sorts a GSI query's candidates: the index range key, then the
table's hash and range keys (``Table.sorted_items``). The index is kept by `moto_query`'s write hooks
and read by its Query, which hands moto only the candidates its answer can contain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sortedcontainers import SortedList

ItemKey = tuple[Any, Any]  # (hash DynamoType, range DynamoType or None): the item's table key

LOWER_BOUNDS = {"GE": False, ">=": False, "GT": True, ">": True}
UPPER_BOUNDS = {"LE": True, "<=": True, "LT": False, "<": False}


class _Above:
    """Greater than anything it meets: ``(v, ABOVE)`` sorts after every entry whose first field is v."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


ABOVE = _Above()


class GsiPartitions:
    def __init__(self, table: Any, index: Any):
        schema = index.schema
        self.schema = tuple((key["AttributeName"], key["KeyType"]) for key in schema)
        self.hash_attr = next(key["AttributeName"] for key in schema if key["KeyType"] == "HASH")
        ranges = [key["AttributeName"] for key in schema if key["KeyType"] == "RANGE"]
        self.range_attr: str | None = ranges[0] if ranges else None
        self._table_has_range = table.range_key_attr is not None
        self._partitions: dict[Any, SortedList] = {}
        self._entries: dict[ItemKey, tuple[Any, tuple]] = {}
        for item in _all(table):
            self.item_changed((item.hash_key, item.range_key), item)

    @staticmethod
    def supports(index: Any) -> bool:
        """One hash key and at most one range key: moto 5.2's multi-attribute keys stay moto's."""
        kinds = [key["KeyType"] for key in index.schema]
        return kinds.count("HASH") == 1 and kinds.count("RANGE") <= 1

    def item_changed(self, key: ItemKey, item: Any | None) -> None:
        """``item`` is what the table holds at ``key`` now (None: nothing)."""
        old = self._entries.pop(key, None)
        if old is not None:
            partition, entry = old
            members = self._partitions[partition]
            members.remove(entry)
            if not members:
                del self._partitions[partition]
        placed = self._entry(key, item) if item is not None else None
        if placed is not None:
            partition, entry = placed
            self._partitions.setdefault(partition, SortedList()).add(entry)
            self._entries[key] = placed

    def _entry(self, key: ItemKey, item: Any) -> tuple[Any, tuple] | None:
        partition = item.attrs.get(self.hash_attr)
        if partition is None:
            return None  # not in the index
        order: list[Any] = []
        if self.range_attr is not None:
            sort = item.attrs.get(self.range_attr)
            if sort is None:
                return None
            order.append(sort.cast_value)
        order.append(key[0].cast_value)
        if self._table_has_range:
            order.append(key[1].cast_value)
        return partition, (*order, key)

    def candidates(
        self,
        partition: Any,
        comparison: str | None,
        values: list[Any],
        start_order: tuple | None,
        forward: bool,
        limit: int | None,
    ) -> list[ItemKey]:
        """Keys of the partition's items a query may return, in index order: never fewer than moto keeps.

        Cut to the key condition's range (``begins_with`` is left to moto) and one item past it, to the
        exclusive start key (itself included: moto skips it), and to ``limit + 2`` items when every
        candidate satisfies the condition: moto must still see an item after its last one to set
        ``LastEvaluatedKey`` as it does.
        """
        members = self._partitions.get(partition)
        if not members:
            return []
        low, high = 0, len(members)
        exact = True
        if comparison is not None:
            bounds = _range_bounds(members, comparison, [value.cast_value for value in values])
            if bounds is None:
                exact = False
            else:
                low, high = max(low, bounds[0]), min(high, bounds[1])
        if start_order is not None:
            if forward:
                low = max(low, members.bisect_left(start_order))
            else:
                high = min(high, members.bisect_right((*start_order, ABOVE)))
        if exact and limit is not None and high - low > limit + 2:
            if forward:
                high = low + limit + 2
            else:
                low = high - limit - 2
        elif forward:  # moto counts its limit before the key condition: an item past the range still
            high = min(len(members), high + 1)  # tells it that there is more (a LastEvaluatedKey)
        else:
            low = max(0, low - 1)
        return [entry[-1] for entry in members.islice(low, high)] if low < high else []

    def order_of(self, key_attributes: dict[str, Any], table: Any, dynamo_type: type) -> tuple | None:
        """The sort position of an exclusive start key given as wire values; None when it lacks a key."""
        names = ([self.range_attr] if self.range_attr else []) + [table.hash_key_attr]
        if self._table_has_range:
            names.append(table.range_key_attr)
        if not all(name in key_attributes for name in names):
            return None
        return tuple(dynamo_type(key_attributes[name]).cast_value for name in names)


def _range_bounds(members: SortedList, comparison: str, values: list[Any]) -> tuple[int, int] | None:
    """Positions [low, high) of the entries whose index range key satisfies the condition; None: not cut."""
    if comparison in ("EQ", "="):
        return members.bisect_left((values[0],)), members.bisect_right((values[0], ABOVE))
    if comparison == "BETWEEN":
        return members.bisect_left((values[0],)), members.bisect_right((values[1], ABOVE))
    if comparison in LOWER_BOUNDS:
        probe = (values[0], ABOVE) if LOWER_BOUNDS[comparison] else (values[0],)
        return members.bisect_left(probe), len(members)
    if comparison in UPPER_BOUNDS:
        probe = (values[0], ABOVE) if UPPER_BOUNDS[comparison] else (values[0],)
        return 0, members.bisect_left(probe)
    return None


def _all(table: Any) -> Iterable[Any]:
    for bucket in table.items.values():
        if table.range_key_attr:
            yield from bucket.values()
        else:
            yield bucket
