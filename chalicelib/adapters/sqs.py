"""SQS: the per-hold expiry nudge (a standard queue's delay message), and the surge line (a FIFO queue)."""

from __future__ import annotations

import json
import math
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.queues import HOLD_EXPIRY, SEAT_REQUESTS
from chalicelib.domain.errors import DependencyUnavailable
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.surge import SeatRequest
from chalicelib.logs import logger
from chalicelib.settings import Settings

MAX_DELAY_SECONDS = 900  # SQS's limit; a longer hold is nudged again when the message arrives early


class SqsExpiryScheduler:
    def __init__(self, settings: Settings, client):
        self._client = client
        self._queue_name = HOLD_EXPIRY.name(settings.queue_prefix)
        self._url: str | None = None

    def schedule(self, reservation: Reservation, now: datetime) -> None:
        """Best effort: a lost nudge only delays the release until the next sweep, never lets a seat be sold twice."""
        delay = min(MAX_DELAY_SECONDS, max(0, math.ceil((reservation.expires_at - now).total_seconds()) + 1))
        body = json.dumps({"reservation_id": reservation.id, "screening_id": reservation.screening_id})
        try:
            if self._url is None:
                self._url = self._client.get_queue_url(QueueName=self._queue_name)["QueueUrl"]
            self._client.send_message(QueueUrl=self._url, MessageBody=body, DelaySeconds=delay)
        except (BotoCoreError, ClientError):
            logger.warning("expiry nudge not sent; the sweep will release the hold", extra={"hold_id": reservation.id})


def expiry_message(body: str) -> str:
    """The reservation id an expiry message is about."""
    return json.loads(body)["reservation_id"]


class SqsSeatRequestQueue:
    """The surge line (`RequestQueue`): one FIFO message group per screening, deduplicated by request id."""

    def __init__(self, settings: Settings, client):
        self._client = client
        self._queue_name = SEAT_REQUESTS.name(settings.queue_prefix)
        self._url: str | None = None

    def enqueue(self, request: SeatRequest) -> None:
        body = json.dumps(
            {
                "request_id": request.request_id,
                "screening_id": request.screening_id,
                "user_id": request.user_id,
                "seat_ids": list(request.seat_ids),
                "enqueued_at_ms": request.enqueued_at_ms,
                "arrival": request.arrival,
            },
            separators=(",", ":"),
        )
        try:
            if self._url is None:
                self._url = self._client.get_queue_url(QueueName=self._queue_name)["QueueUrl"]
            self._client.send_message(
                QueueUrl=self._url,
                MessageBody=body,
                MessageGroupId=request.screening_id,
                MessageDeduplicationId=request.request_id,
            )
        except (BotoCoreError, ClientError) as exc:
            message = "The waiting line did not take the request; try again."
            raise DependencyUnavailable("service_busy", message) from exc


def seat_request_message(body: str) -> SeatRequest:
    """The request a surge line message carries."""
    data = json.loads(body)
    return SeatRequest(
        request_id=data["request_id"],
        screening_id=data["screening_id"],
        user_id=data["user_id"],
        seat_ids=tuple(data["seat_ids"]),
        enqueued_at_ms=int(data["enqueued_at_ms"]),
        arrival=int(data["arrival"]),
    )
