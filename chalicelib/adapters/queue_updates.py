"""`queue_update` messages to a requester (`QueueUpdates`), through the realtime room's notifier.

Until the realtime room has a per-user send path (a user's connections by index), the update is logged with
the request id, so an operator sees it and a client polls ``GET /api/seat-reservations/requests/{id}``.
Switching to the per-user send is this one adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.logs import logger


class LoggedQueueUpdates:
    def send(self, user_id: str, message: Mapping[str, Any]) -> None:
        logger.info("queue_update", extra={"user_id": user_id, **message})
