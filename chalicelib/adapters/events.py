"""Publishing booking events after each successful write.

Every event is logged as one structured line (what an operator greps and what metrics filters count).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from chalicelib.domain.clock import iso
from chalicelib.domain.reservations import BookingEvent
from chalicelib.logs import logger


class LoggedEvents:
    def publish(self, events: Sequence[BookingEvent]) -> None:
        for event in events:
            fields = {k: (iso(v) if hasattr(v, "tzinfo") else v) for k, v in asdict(event).items()}
            logger.info("booking event", extra={"event": fields})
