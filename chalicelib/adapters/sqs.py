"""SQS: the per-hold expiry nudge (a standard queue's delay message)."""

from __future__ import annotations

import json
import math
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.queues import HOLD_EXPIRY
from chalicelib.domain.reservations import Reservation
from chalicelib.logs import logger
from chalicelib.settings import Settings

MAX_DELAY_SECONDS = 900  # SQS's limit; a longer hold is nudged again when the message arrives early


class SqsExpiryScheduler:
    def __init__(self, settings: Settings, client):
        self._client = client
        self._queue_name = HOLD_EXPIRY.name(settings.queue_prefix)
        self._url: str | None = None

    def schedule(self, reservation: Reservation, now: datetime) -> None:
        self.nudge(reservation.id, reservation.screening_id, reservation.expires_at, now)

    def nudge(self, hold_id: str, screening_id: str, expires_at: datetime, now: datetime) -> None:
        """Best effort: a lost nudge only delays the release until the next sweep, never lets a seat be sold twice.

        Delayed to the whole second at or after the expiry (SQS counts from when it receives the message,
        later than ``now``), so it never arrives early and watchers see the expiry within about a second.
        """
        delay = min(MAX_DELAY_SECONDS, max(0, math.ceil((expires_at - now).total_seconds())))
        body = json.dumps({"reservation_id": hold_id, "screening_id": screening_id})
        try:
            if self._url is None:
                self._url = self._client.get_queue_url(QueueName=self._queue_name)["QueueUrl"]
            self._client.send_message(QueueUrl=self._url, MessageBody=body, DelaySeconds=delay)
        except (BotoCoreError, ClientError):
            logger.warning("expiry nudge not sent; the sweep will release the hold", extra={"hold_id": hold_id})


def expiry_message(body: str) -> str:
    """The reservation id an expiry message is about."""
    return json.loads(body)["reservation_id"]
