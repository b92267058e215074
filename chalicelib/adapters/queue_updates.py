"""`queue_update` messages to a requester (`QueueUpdates`).

`RealtimeQueueUpdates` posts them through the realtime room's per-user send (`Realtime.send_to_user`: every open
WebSocket connection the user opened with ``?token=``). A client without one follows
``GET /api/seat-reservations/requests/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.domain.errors import DependencyUnavailable
from chalicelib.logs import logger

UPDATE_THREADS = 8
"""A batch's requesters are looked up (one index query each) and told in parallel, as the realtime room's holders."""


class RealtimeQueueUpdates:
    """Best effort: a WebSocket that cannot be reached never fails a decided batch (the decision is stored)."""

    def __init__(self, send_to_user: Callable[[str, dict[str, Any]], int]):
        self._send_to_user = send_to_user

    def send(self, user_id: str, message: Mapping[str, Any]) -> None:
        try:
            self._send_to_user(user_id, dict(message))
        except DependencyUnavailable:
            logger.warning("queue_update not sent", extra={"user_id": user_id, "request_id": message.get("request_id")})

    def send_all(self, updates: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        if len(updates) < 2:
            for user_id, message in updates:
                self.send(user_id, message)
            return
        with ThreadPoolExecutor(min(len(updates), UPDATE_THREADS), thread_name_prefix="queue-updates") as pool:
            list(pool.map(lambda update: self.send(*update), updates))
