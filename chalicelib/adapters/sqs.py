"""SQS: the per-hold expiry nudge (a standard queue's delay message)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.queues import HOLD_EXPIRY
from chalicelib.domain.reservations import Reservation
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
