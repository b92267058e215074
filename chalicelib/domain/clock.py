"""Time and identity, injected so that no test has to sleep or guess an id (tests use `tests.fakes.clock`)."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def new_id(prefix: str = "") -> str:
    """An opaque, URL-safe, sortable-by-creation id (time prefix + randomness)."""
    millis = int(time.time() * 1000)
    return f"{prefix}{millis:011x}{secrets.token_hex(8)}"


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, second precision: the API's time format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_epoch_ms(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)
