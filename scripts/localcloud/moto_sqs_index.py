"""An index over one moto SQS queue's messages, so that no call walks the whole queue (local cloud only).

moto 5.2.5 keeps a queue's messages in one list (``Queue._messages``) and answers every question by
walking it: which messages may be received now, how many are delayed or in flight, whether a FIFO
deduplication id was seen, which message a receipt handle names. `QueueIndex` keeps those answers as the
messages change, in moto's own terms:

- a message is *delayed* while ``now < delayed_until`` and *in flight* while not ``now > visible_at``;
  it is *available* (in ``Queue.messages``) when it is neither. Both instants sit in heaps, so a clock
  step moves exactly the messages whose instant has passed (`advance`);
- available messages are kept per *group* in the order they were sent (their sequence number: the
  position moto's list gives them). A FIFO queue's message with a group id is in that group; every other
  message is in the one `UNGROUPED` group, which nothing blocks;
- ``heads`` orders the groups that a receive may walk now (available messages, and no message of the
  group pending) by their first message, so a receive visits only what it hands out;
- pending messages (received and not deleted; moto's ``Queue.pending_messages``) are counted per group,
  and those that became visible again (``available_pending``) are where moto's walk forgets them.

The list stays moto's: the index is derived from it and rebuilt from it when it cannot vouch for it
(`stale_for`). The clock must not run backwards (moto's is the wall clock).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Hashable, Iterable
from itertools import count
from typing import Any

from sortedcontainers import SortedList

UNGROUPED: Hashable = None  # the group of messages that no FIFO group orders; it is never blocked

Message = Any  # moto.sqs.models.Message: hashable by identity


class QueueIndex:
    def __init__(self, queue: Any, generation: int):
        self.messages_list: list = queue._messages
        self.pending: set = queue._pending_messages
        self.generation = generation
        self._fifo = bool(queue.fifo_queue)
        self._seq = count()
        self.seq_of: dict[Message, int] = {}
        self.by_seq: dict[int, Message] = {}
        self.receipts: dict[str, Message] = {}
        self.dedup: dict[str | None, dict[Message, None]] = {}
        self.delayed: set[Message] = set()
        self.in_flight: set[Message] = set()
        self._delay_heap: list[tuple[float, int]] = []
        self._visible_heap: list[tuple[float, int]] = []
        self.available: dict[Hashable, SortedList] = {}
        self.available_count = 0
        self.heads = SortedList()  # (first available seq, group) of every group a receive may walk now
        self._head_of: dict[Hashable, int] = {}
        self.available_pending = SortedList()
        self.pending_in_group: Counter = Counter()

    @classmethod
    def build(cls, queue: Any, generation: int, now_ms: float) -> QueueIndex:
        index = cls(queue, generation)
        for message in queue._messages:
            index.add(message, now_ms)
        for message in queue._pending_messages:
            if message in index.seq_of:
                index._count_pending(message, +1)
        return index

    def stale_for(self, queue: Any, generation: int) -> bool:
        """Whether moto's own state moved without the index (purge, a new list, uninstalled for a while)."""
        return (
            self.generation != generation
            or self.messages_list is not queue._messages
            or self.pending is not queue._pending_messages
            or len(self.seq_of) != len(queue._messages)
        )

    # --- membership ---

    def group_of(self, message: Message) -> Hashable:
        return message.group_id if self._fifo and message.group_id else UNGROUPED

    def add(self, message: Message, now_ms: float) -> None:
        seq = next(self._seq)
        self.seq_of[message] = seq
        self.by_seq[seq] = message
        for handle in message.all_receipt_handles:
            if handle is not None:
                self.receipts[handle] = message
        self.dedup.setdefault(message.deduplication_id, {})[message] = None
        if now_ms < message.delayed_until:
            self.delayed.add(message)
            heapq.heappush(self._delay_heap, (message.delayed_until, seq))
        self._place(message, seq, now_ms)

    def remove(self, message: Message) -> None:
        if message in self.pending:
            self.set_pending(message, False)
        seq = self.seq_of.pop(message)
        del self.by_seq[seq]
        for handle in message.all_receipt_handles:
            if handle is not None and self.receipts.get(handle) is message:
                del self.receipts[handle]
        twins = self.dedup[message.deduplication_id]
        del twins[message]
        if not twins:
            del self.dedup[message.deduplication_id]
        self.delayed.discard(message)
        self.in_flight.discard(message)
        self._make_unavailable(message, seq)

    def duplicates(self, deduplication_id: str | None) -> Iterable[Message]:
        return self.dedup.get(deduplication_id, {}).keys()

    # --- time and visibility ---

    def advance(self, now_ms: float) -> None:
        """Move every message whose delay ended (``now >= delayed_until``) or whose in-flight time ended."""
        while self._delay_heap and self._delay_heap[0][0] <= now_ms:
            _, seq = heapq.heappop(self._delay_heap)
            message = self.by_seq.get(seq)
            if message is not None and message in self.delayed:
                self.delayed.discard(message)
                if message not in self.in_flight:
                    self._make_available(message, seq)
        while self._visible_heap and self._visible_heap[0][0] < now_ms:
            visible_at, seq = heapq.heappop(self._visible_heap)
            message = self.by_seq.get(seq)
            if message is not None and message in self.in_flight and message.visible_at == visible_at:
                self.in_flight.discard(message)
                if message not in self.delayed:
                    self._make_available(message, seq)

    def visibility_changed(self, message: Message, now_ms: float) -> None:
        """After moto changed ``visible_at`` or the receipt handle (a receive, ChangeMessageVisibility)."""
        if message.receipt_handle is not None:
            self.receipts[message.receipt_handle] = message
        self._place(message, self.seq_of[message], now_ms)

    def _place(self, message: Message, seq: int, now_ms: float) -> None:
        if not now_ms > message.visible_at:
            if message not in self.in_flight:
                self.in_flight.add(message)
                self._make_unavailable(message, seq)
            heapq.heappush(self._visible_heap, (message.visible_at, seq))
        else:
            self.in_flight.discard(message)
            if message not in self.delayed:
                self._make_available(message, seq)

    # --- pending messages and FIFO groups ---

    def set_pending(self, message: Message, pending: bool) -> None:
        """Add to or take from moto's pending set (``Queue.pending_messages``), keeping the counts beside it."""
        if pending == (message in self.pending):
            return
        if pending:
            self.pending.add(message)
        else:
            self.pending.discard(message)
        self._count_pending(message, +1 if pending else -1)

    def _count_pending(self, message: Message, change: int) -> None:
        group, seq = self.group_of(message), self.seq_of[message]
        self.pending_in_group[group] += change
        if not self.pending_in_group[group]:
            del self.pending_in_group[group]
        if seq in self.available.get(group, ()):
            if change > 0:
                self.available_pending.add(seq)
            else:
                self.available_pending.discard(seq)
        self._refresh_head(group)

    def blocked(self, group: Hashable) -> bool:
        return group is not UNGROUPED and self.pending_in_group[group] > 0

    def _make_available(self, message: Message, seq: int) -> None:
        group = self.group_of(message)
        members = self.available.setdefault(group, SortedList())
        if seq in members:
            return
        members.add(seq)
        self.available_count += 1
        if message in self.pending:
            self.available_pending.add(seq)
        self._refresh_head(group)

    def _make_unavailable(self, message: Message, seq: int) -> None:
        group = self.group_of(message)
        members = self.available.get(group)
        if members is None or seq not in members:
            return
        members.remove(seq)
        self.available_count -= 1
        self.available_pending.discard(seq)
        if not members:
            del self.available[group]
        self._refresh_head(group)

    def _refresh_head(self, group: Hashable) -> None:
        members = self.available.get(group)
        wanted = members[0] if members and not self.blocked(group) else None
        current = self._head_of.get(group)
        if wanted == current:
            return
        if current is not None:
            self.heads.remove((current, _Group(group)))
            del self._head_of[group]
        if wanted is not None:
            self.heads.add((wanted, _Group(group)))
            self._head_of[group] = wanted

    # --- reading in moto's order ---

    def next_available(self, group: Hashable, after: int) -> int | None:
        members = self.available.get(group)
        if not members:
            return None
        position = members.bisect_right(after)
        return members[position] if position < len(members) else None

    def heads_after(self, after: int) -> Iterable[tuple[int, Hashable]]:
        """(first seq, group) of the walkable groups whose first available message comes after ``after``."""
        for seq, group in self.heads.islice(self.heads.bisect_left((after + 1,))):
            yield seq, group.key

    def next_available_pending(self, after: int) -> int | None:
        position = self.available_pending.bisect_right(after)
        return self.available_pending[position] if position < len(self.available_pending) else None

    def available_messages(self) -> list[Message]:
        """``Queue.messages``: every available message in the order moto's list has them."""
        seqs = sorted(seq for members in self.available.values() for seq in members)
        return [self.by_seq[seq] for seq in seqs]


class _Group:
    """A group id inside the heads' tuples: never compared (sequence numbers are unique), only carried."""

    __slots__ = ("key",)

    def __init__(self, key: Hashable):
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Group) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __lt__(self, other: _Group) -> bool:  # only reached for equal sequence numbers, which never happens
        return False
