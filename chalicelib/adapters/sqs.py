"""SQS: the per-hold expiry nudge (a standard queue's delay message), and the surge line (a FIFO queue)."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.queues import HOLD_EXPIRY, SEAT_REQUESTS
from chalicelib.domain.errors import DependencyUnavailable
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.surge import SeatRequest
from chalicelib.logs import logger
from chalicelib.settings import Settings

BATCH = 10  # SendMessageBatch's limit
MAX_DELAY_SECONDS = 900  # SQS's limit; a longer hold is nudged again when the message arrives early


class SqsExpiryScheduler:
    def __init__(self, settings: Settings, client):
        self._client = client
        self._queue_name = HOLD_EXPIRY.name(settings.queue_prefix)
        self._url: str | None = None

    def schedule(self, reservation: Reservation, now: datetime) -> None:
        self.nudge_all([(reservation.id, reservation.screening_id, reservation.expires_at)], now)

    def nudge_all(self, holds: Sequence[tuple[str, str, datetime]], now: datetime) -> None:
        """Best effort: a lost nudge only delays the release until the next sweep, never lets a seat be sold twice.

        Each is delayed to the whole second at or after its expiry (SQS counts from when it receives the
        message, later than ``now``), so it never arrives early and watchers see the expiry within about a
        second. Ten to a ``SendMessageBatch``.
        """
        entries = [
            {
                "Id": str(n),
                "MessageBody": json.dumps({"reservation_id": hold_id, "screening_id": screening_id}),
                "DelaySeconds": min(MAX_DELAY_SECONDS, max(0, math.ceil((expires_at - now).total_seconds()))),
            }
            for n, (hold_id, screening_id, expires_at) in enumerate(holds)
        ]
        for start in range(0, len(entries), BATCH):
            batch = entries[start : start + BATCH]
            try:
                if self._url is None:
                    self._url = self._client.get_queue_url(QueueName=self._queue_name)["QueueUrl"]
                failed = self._client.send_message_batch(QueueUrl=self._url, Entries=batch).get("Failed", [])
            except (BotoCoreError, ClientError):
                failed = batch
            for entry in failed:
                hold_id = holds[int(entry["Id"])][0]
                logger.warning("expiry nudge not sent; the sweep will release the hold", extra={"hold_id": hold_id})


def expiry_message(body: str) -> str:
    """The reservation id an expiry message is about."""
    return json.loads(body)["reservation_id"]


class SqsSeatRequestQueue:
    """The surge line (`RequestQueue`): one FIFO message group per screening, deduplicated by request id.

    Requests enqueued at the same moment by the threads of one process go out together, up to ten in one
    ``SendMessageBatch`` in the order they came (the first waiting thread sends for the others): a rush costs
    the queue a call per batch, not per request. A Lambda instance serves one request at a time, so there it
    is one request per call.
    """

    def __init__(self, settings: Settings, client):
        self._client = client
        self._queue_name = SEAT_REQUESTS.name(settings.queue_prefix)
        self._url: str | None = None
        self._lock = threading.Lock()
        self._waiting: list[_Pending] = []
        self._sending = False

    def enqueue(self, request: SeatRequest) -> None:
        pending = _Pending(request)
        with self._lock:
            self._waiting.append(pending)
        while not pending.done.is_set():
            with self._lock:
                lead = not self._sending
                if lead:  # one sender at a time, so batches leave in the order their requests came
                    self._sending = True
                    batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            if not lead:
                pending.done.wait(0.005)
                continue
            try:
                self._send(batch)
            finally:
                with self._lock:
                    self._sending = False
        if pending.error is not None:
            message = "The waiting line did not take the request; try again."
            raise DependencyUnavailable("service_busy", message) from pending.error

    def _send(self, batch: list[_Pending]) -> None:
        if not batch:
            return  # another sender took ours: it is on its way
        entries = [
            {
                "Id": str(n),
                "MessageBody": _body(p.request),
                "MessageGroupId": p.request.screening_id,
                "MessageDeduplicationId": p.request.request_id,
            }
            for n, p in enumerate(batch)
        ]
        try:
            if self._url is None:
                self._url = self._client.get_queue_url(QueueName=self._queue_name)["QueueUrl"]
            answer = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            for failed in answer.get("Failed", []):
                batch[int(failed["Id"])].error = RuntimeError(f"{failed.get('Code')}: {failed.get('Message')}")
        except (BotoCoreError, ClientError) as exc:
            for pending in batch:
                pending.error = exc
        for pending in batch:
            pending.done.set()


class _Pending:
    def __init__(self, request: SeatRequest):
        self.request = request
        self.done = threading.Event()
        self.error: Exception | None = None


def _body(request: SeatRequest) -> str:
    return json.dumps(asdict(request), separators=(",", ":"))


def seat_request_message(body: str) -> SeatRequest:
    """The request a surge line message carries (`_body`)."""
    data = json.loads(body)
    return SeatRequest(**{**data, "seat_ids": tuple(data["seat_ids"])})
