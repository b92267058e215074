"""Holds: what a seat's stored state means at a given moment.

A seat's stored status changes only through conditional writes. A hold past its ``expires_at`` is
free to take at once (the hold write's condition says so): the release that rewrites its status
is a courtesy for watchers, never needed for correctness.
"""

from __future__ import annotations

from typing import Literal

SeatStatus = Literal["available", "held", "sold", "blocked"]


def effective_status(stored: str, expires_at_ms: int | None, now_ms: int) -> SeatStatus:
    """The status a client sees: a held seat whose hold has expired is available."""
    if stored == "held" and (expires_at_ms is None or expires_at_ms <= now_ms):
        return "available"
    return stored  # type: ignore[return-value]
