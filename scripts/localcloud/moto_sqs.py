"""SQS in moto at a cost that does not grow with the messages in the queue (local cloud only, moto pinned).

moto 5.2.5 walks a queue's whole message list on every call: ``SendMessage`` computes the queue's
attributes (three counts over every message, delayed ones included) just to read
``ContentBasedDeduplication``, and a FIFO send compares the deduplication id with every message;
``ReceiveMessage`` visits every message (and skips those of blocked FIFO groups one by one);
``DeleteMessage`` and ``ChangeMessageVisibility`` search the list for the receipt handle. Each hold sends a
delayed expiry nudge that stays for ``HOLD_SECONDS``, so every call got slower as holds piled up.

Here those calls read a `moto_sqs_index.QueueIndex` kept beside moto's list, and do what moto does in
moto's order: the same messages received in the same order (FIFO groups blocked while a message of
theirs is pending, several of one group in one batch, a pending message forgotten when it shows again),
the same redrive to the dead-letter queue, deduplication against the messages still in the queue within
5 minutes, the same counts, receipt handles and errors. moto's list stays the truth; the index is rebuilt
from it whenever it cannot vouch for it (a purge, a patch installed late). What moto does to a message is
moto's own code (``mark_received``, ``change_visibility``, the Lambda event source mappings).
`tests/contract/localcloud/test_moto_sqs.py` runs the same calls, on a clock moved by hand, against
stock moto and this, and compares every answer.

Safe only inside the serialized server or a single-threaded test, like the other speed-ups.
"""

from __future__ import annotations

from collections import Counter
from copy import deepcopy
from functools import cache
from typing import Any

from moto.core.utils import camelcase_to_underscores
from moto.sqs import models
from moto.sqs.exceptions import InvalidParameterValue, ReceiptHandleIsInvalid
from moto.sqs.models import DEDUPLICATION_TIME_IN_SECONDS, Queue, SQSBackend, _filter_message_attributes, sqs_backends

from scripts.localcloud.moto_patch import MotoPatch
from scripts.localcloud.moto_sqs_index import QueueIndex

MAX_VISIBILITY_MS = 43200 * 1000
_generation = 0  # bumped on install and uninstall: an index built before may have missed stock moto's changes


def _now_ms() -> float:
    return models.unix_time_millis()  # looked up at call time, so a test's clock applies here as in moto


def index_of(queue: Queue) -> QueueIndex:
    """The queue's index, rebuilt from moto's list when that changed behind it; advanced to now."""
    now = _now_ms()
    index = queue.__dict__.get("_local_cloud_index")
    if index is None or index.stale_for(queue, _generation):
        index = queue.__dict__["_local_cloud_index"] = QueueIndex.build(queue, _generation, now)
    index.advance(now)
    return index


# --- Queue ---


def messages(self: Queue) -> list:
    return index_of(self).available_messages()


def approximate_number_of_messages(self: Queue) -> int:
    return index_of(self).available_count


def approximate_number_of_messages_delayed(self: Queue) -> int:
    return len(index_of(self).delayed)


def approximate_number_of_messages_not_visible(self: Queue) -> int:
    return len(index_of(self).in_flight)


@cache
def _attribute_name(attribute: str) -> str:
    return camelcase_to_underscores(attribute)


def attributes(self: Queue) -> dict[str, Any]:
    """moto's `Queue.attributes`, with the attribute names converted once rather than on every call."""
    result: dict[str, Any] = {}
    for attribute in self.BASE_ATTRIBUTES:
        result[attribute] = getattr(self, _attribute_name(attribute))
    if self.fifo_queue:
        for attribute in self.FIFO_ATTRIBUTES:
            result[attribute] = getattr(self, _attribute_name(attribute))
    if self.kms_master_key_id:
        for attribute in self.KMS_ATTRIBUTES:
            result[attribute] = getattr(self, _attribute_name(attribute))
    if self.policy:
        result["Policy"] = self.policy
    if self.redrive_policy:
        result["RedrivePolicy"] = models.json.dumps(self.redrive_policy)
    for key in result:
        if isinstance(result[key], bool):
            result[key] = str(result[key]).lower()
    return result


def add_message(self: Queue, message: Any) -> None:
    index = index_of(self)
    if self.fifo_queue and (self.content_based_deduplication or message.deduplication_id):
        for twin in index.duplicates(message.deduplication_id):
            if (message.sent_timestamp - twin.sent_timestamp) / 1000 < DEDUPLICATION_TIME_IN_SECONDS:
                return
    with self._messages_lock:
        self._messages.append(message)
        index.add(message, _now_ms())
        self._messages_lock.notify_all()
    _feed_event_source_mappings(self)


def _feed_event_source_mappings(self: Queue) -> None:
    """moto 5.2.5's Lambda event source mappings of `Queue.add_message`, unchanged."""
    for arn, esm in self.lambda_event_source_mappings.items():
        if not esm.enabled:
            continue
        backend = sqs_backends[self.account_id][self.region]
        received = backend.receive_message(
            self.name, esm.batch_size, self.receive_message_wait_time_seconds, self.visibility_timeout
        )
        from moto.awslambda.utils import get_backend

        if get_backend(self.account_id, self.region).send_sqs_batch(arn, received, self.queue_arn):
            for m in received:
                backend.delete_message(self.name, m.receipt_handle)
        else:
            for m in received:
                backend.change_message_visibility(self.name, m.receipt_handle, visibility_timeout=0)


def delete_message(self: Queue, receipt_handle: str) -> None:
    if receipt_handle in self.deleted_messages:
        return  # already deleted: moto lets it be deleted again
    index = index_of(self)
    message = index.receipts.get(receipt_handle)
    if message is None:
        raise ReceiptHandleIsInvalid()
    self.deleted_messages.update(message.all_receipt_handles)
    index.remove(message)
    self._messages.remove(message)


# --- SQSBackend ---


def change_message_visibility(self: SQSBackend, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
    queue = self.get_queue(queue_name)
    index = index_of(queue)
    message = index.receipts.get(receipt_handle)
    if message is None:
        raise ReceiptHandleIsInvalid
    if _now_ms() + int(visibility_timeout) * 1000 - message.sent_timestamp > MAX_VISIBILITY_MS:
        raise InvalidParameterValue(
            f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
            "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
        )
    message.change_visibility(visibility_timeout)
    index.visibility_changed(message, _now_ms())
    if message.visible and message in queue.pending_messages:
        index.set_pending(message, False)


def receive_message(
    self: SQSBackend,
    queue_name: str,
    count: int,
    wait_seconds_timeout: int,
    visibility_timeout: int,
    message_attribute_names: list[str] | None = None,
) -> list:
    """moto's receive loop: walk passes until a message is found or the wait is over."""
    queue = self.get_queue(queue_name)
    walk = _Walk(queue, visibility_timeout, message_attribute_names or [])
    polling_end = models.unix_time() + wait_seconds_timeout
    result: list = []
    previous_count = 0
    while True:
        if result or (wait_seconds_timeout and models.unix_time() > polling_end):
            break
        walk.one_pass(count, result)
        if previous_count == len(result):
            if wait_seconds_timeout == 0:
                break
            queue.wait_for_messages(1)
            continue
        previous_count = len(result)
    return result


class _Walk:
    """One ``ReceiveMessage``: moto's walk over the available messages, visiting only what it acts on.

    moto snapshots the FIFO groups that have a pending message at the start of the call, and takes that
    snapshot again whenever it meets a pending message that became visible (and forgets it): from then on
    the groups it handed messages out of in this call are blocked too. ``received_since`` holds what the
    live pending counts have that moto's snapshot has not seen yet.
    """

    def __init__(self, queue: Queue, visibility_timeout: int, attribute_names: list[str]):
        self.queue = queue
        self.visibility_timeout = visibility_timeout
        self.attribute_names = attribute_names
        self.received_since: Counter = Counter()

    def blocked(self, index: QueueIndex, group: Any) -> bool:
        """Whether moto's snapshot of pending groups holds ``group`` right now."""
        return index.blocked(group) and index.pending_in_group[group] - self.received_since[group] > 0

    def one_pass(self, count: int, result: list) -> None:
        queue, index = self.queue, index_of(self.queue)
        cursor, walking, to_dead_letters = -1, set(), []
        while (step := self._next(index, cursor, walking)) is not None:
            cursor, group = step
            message = index.by_seq[cursor]
            if message in index.pending:  # its visibility timeout ended: moto forgets it was received
                index.set_pending(message, False)
                walking.difference_update(g for g, n in self.received_since.items() if n)
                self.received_since.clear()
            if self.blocked(index, group):
                continue
            walking.add(group)
            if _to_dead_letters(queue, message):
                to_dead_letters.append(message)
                continue
            index.set_pending(message, True)
            if index.blocked(group):
                self.received_since[group] += 1
            message.mark_received(visibility_timeout=self.visibility_timeout)
            index.visibility_changed(message, _now_ms())
            copied = deepcopy(message)
            _filter_message_attributes(copied, self.attribute_names)
            if queue.message_retention_period + message.sent_timestamp / 1000 <= models.unix_time():
                break  # moto stops at a message past retention, after marking it received
            result.append(copied)
            if len(result) >= count:
                break
        for message in to_dead_letters:
            index.remove(message)
            queue._messages.remove(message)
            queue.dead_letter_queue.add_message(message)

    @staticmethod
    def _next(index: QueueIndex, cursor: int, walking: set) -> tuple[int, Any] | None:
        """The next message after ``cursor`` that moto's walk acts on: in a walkable group, or pending again."""
        best: tuple[int, Any] | None = None
        for group in list(walking):
            seq = index.next_available(group, cursor)
            if seq is None:
                walking.discard(group)
            elif best is None or seq < best[0]:
                best = (seq, group)
        for seq, group in index.heads_after(cursor):
            if group not in walking:
                if best is None or seq < best[0]:
                    best = (seq, group)
                break
        pending_again = index.next_available_pending(cursor)
        if pending_again is not None and (best is None or pending_again < best[0]):
            best = (pending_again, index.group_of(index.by_seq[pending_again]))
        return best


def _to_dead_letters(queue: Queue, message: Any) -> bool:
    redrive = queue.redrive_policy
    return bool(
        queue.dead_letter_queue is not None
        and redrive
        and message.approximate_receive_count >= redrive["maxReceiveCount"]
    )


def _bump_generation() -> None:
    global _generation
    _generation += 1


class _SqsPatch(MotoPatch):
    def install(self) -> None:
        _bump_generation()
        super().install()

    def uninstall(self) -> None:
        _bump_generation()
        super().uninstall()


PATCH = _SqsPatch(
    (Queue, "messages", property(messages)),
    (Queue, "approximate_number_of_messages", property(approximate_number_of_messages)),
    (Queue, "approximate_number_of_messages_delayed", property(approximate_number_of_messages_delayed)),
    (Queue, "approximate_number_of_messages_not_visible", property(approximate_number_of_messages_not_visible)),
    (Queue, "attributes", property(attributes)),
    (Queue, "add_message", add_message),
    (Queue, "delete_message", delete_message),
    (SQSBackend, "change_message_visibility", change_message_visibility),
    (SQSBackend, "receive_message", receive_message),
)
install, uninstall, installed, flat_sqs = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
