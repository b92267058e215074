"""Holds: what is stored about a seat of a screening, and what that means at a given moment.

A seat's stored status changes only through conditional writes. A hold past its ``expires_at`` is
free to take at once (the hold write's condition says so): the release that rewrites its status
is a courtesy for watchers, never needed for correctness.

Where a seat is, its category and its price are the layout's and nothing else's: the stored state
is only what changes (docs/reservations.md, "One source of seat data").

The hold cap (``HOLD_MAX_SECONDS``) bounds a chain of replacements and the extension; the cooldown keeps
it from being reset: the seats of a user's hold that lapsed or was released are not holdable *by that user*
for ``HOLD_COOLDOWN_SECONDS`` after it ended (everyone else may take them at once). Each seat remembers
whose cooldown it is in (``cooling_for``) and until when (``cooling_until_ms``), written by the same
conditional writes that hold, extend and release it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from chalicelib.domain.errors import HoldCooldown
from chalicelib.domain.layout import Seat

SeatStatus = Literal["available", "held", "sold", "blocked"]


@dataclass(frozen=True)
class SeatState:
    """What is stored about one seat of one screening: its status and the hold on it, if any."""

    seat_id: str
    status: SeatStatus
    hold_id: str | None = None
    holder_id: str | None = None
    expires_at_ms: int | None = None
    version: int = 0
    """Rises with every change: watchers order a seat's updates by it."""
    cooling_for: str | None = None
    """The user whose latest hold had this seat: they may not start a new hold of it before `cooling_until_ms`."""
    cooling_until_ms: int | None = None

    @classmethod
    def opening(cls, seat: Seat) -> SeatState:
        """The state a layout seat starts in when its screening is created: available, or blocked for good."""
        return cls(seat.id, "blocked" if seat.blocked else "available")

    def status_at(self, now_ms: int) -> SeatStatus:
        """The status a client sees: a held seat whose hold has expired is available."""
        if self.status == "held" and (self.expires_at_ms is None or self.expires_at_ms <= now_ms):
            return "available"
        return self.status

    def cooling_down_for(self, user_id: str, now_ms: int) -> bool:
        """Whether a new hold (not a running chain's replacement) of this seat by this user must wait."""
        return self.cooling_for == user_id and (self.cooling_until_ms or 0) > now_ms


def cooldown_ends_ms(hold_ends_ms: int, cooldown_seconds: int) -> int:
    """When a hold ending at ``hold_ends_ms`` lets its user hold its seats again."""
    return hold_ends_ms + cooldown_seconds * 1000


def cooldown_refusal(cooling: Sequence[SeatState], now_ms: int) -> HoldCooldown:
    """The refusal of a new hold of these seats, each in its user's cooldown: their ids and the longest wait."""
    wait_ms = max((seat.cooling_until_ms or now_ms) - now_ms for seat in cooling)
    return HoldCooldown([seat.seat_id for seat in cooling], -(-wait_ms // 1000))


def count_available(states: Iterable[SeatState], now_ms: int) -> int:
    """How many seats a visitor could take now: the seat map's count and the screening's ``seats_available``."""
    return sum(1 for state in states if state.status_at(now_ms) == "available")
