"""`queue_update` messages to a requester (`QueueUpdates`).

`RealtimeQueueUpdates` posts them through the realtime room's per-user send (`Realtime.send_to_users`: one lookup
of every requester's open WebSocket connections, those opened with ``?token=``, then the posts in parallel). A
client without one follows ``GET /api/seat-reservations/requests/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.domain.errors import DependencyUnavailable
from chalicelib.logs import logger


class RealtimeQueueUpdates:
    """Best effort: a WebSocket that cannot be reached never fails a decided batch (the decision is stored)."""

    def __init__(self, send_to_users: Callable[[Sequence[tuple[str, dict[str, Any]]]], int]):
        self._send_to_users = send_to_users

    def send_all(self, updates: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        try:
            self._send_to_users([(user_id, dict(message)) for user_id, message in updates])
        except DependencyUnavailable:
            logger.warning(
                "queue_update not sent", extra={"request_ids": [message.get("request_id") for _, message in updates]}
            )
