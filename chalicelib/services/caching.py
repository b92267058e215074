"""`BoundedCache`: what an instance remembers between requests, bounded in entries and in estimated bytes.

A Lambda instance lives for hours and serves many screenings: a cache bounded only by its number of
entries is bounded by nothing in memory (256 layouts of 2,000 seats are ~150 MB). Each cache here
states its byte budget, and each value its estimated size (`Layout.estimated_bytes`,
`SeatMap.estimated_bytes`, checked against tracemalloc in tests/unit/test_caching.py); the least
recently used entries are forgotten first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


class BoundedCache(Generic[Key, Value]):
    """A least-recently-used cache of at most `max_entries` values whose estimated sizes add to at most `max_bytes`.

    A value larger than the whole budget is not kept. Safe to share between threads (the local cloud's).
    """

    def __init__(self, max_entries: int, max_bytes: int, size_of: Callable[[Value], int]):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._entries: OrderedDict[Key, tuple[Value, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Key) -> Value | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Key, value: Value) -> None:
        size = self._size_of(value)
        with self._lock:
            self._forget(key)
            if size > self.max_bytes:
                return
            self._entries[key] = (value, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                self._forget(next(iter(self._entries)))

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def estimated_bytes(self) -> int:
        """The estimated size of what is kept: at most `max_bytes`."""
        return self._bytes

    def _forget(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1]
