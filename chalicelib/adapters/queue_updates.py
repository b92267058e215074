"""`queue_update` messages to a requester (`QueueUpdates`).

`RealtimeQueueUpdates` posts them through the realtime room's per-user send (`Realtime.send_to_user`: every open
WebSocket connection the user opened with ``?token=``). A client without one follows
``GET /api/seat-reservations/requests/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain.errors import DependencyUnavailable
from chalicelib.logs import logger


class RealtimeQueueUpdates:
    """Best effort: a WebSocket that cannot be reached never fails a decided batch (the decision is stored)."""

    def __init__(self, send_to_user: Callable[[str, dict[str, Any]], int]):
        self._send_to_user = send_to_user

    def send(self, user_id: str, message: Mapping[str, Any]) -> None:
        try:
            self._send_to_user(user_id, dict(message))
        except DependencyUnavailable:
            logger.warning("queue_update not sent", extra={"user_id": user_id, "request_id": message.get("request_id")})
