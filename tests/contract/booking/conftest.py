"""The seat inventory contract runs against the in-memory fake and the DynamoDB adapter (on moto) alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from chalicelib.domain.layout import Layout, parse_layout
from chalicelib.domain.reservations import Reservation
from scripts.localcloud import moto_idempotency
from tests.fakes.booking import InMemorySeatInventory

SCREENING = "scr_contract"
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)

SMALL_LAYOUT = {
    "rows": [
        {"label": "A", "seats": [{"number": n, "category": "standard"} for n in range(1, 7)], "aisles_after": [3]},
        {"label": "B", "seats": [{"number": n, "category": "vip"} for n in range(1, 7)]},
        {
            "label": "C",
            "seats": [{"number": 1, "category": "standard", "blocked": True}, {"number": 2, "category": "standard"}],
        },
    ],
    "prices": {"standard": 1200, "vip": 1800},
}


@pytest.fixture
def layout() -> Layout:
    return parse_layout(SMALL_LAYOUT)


COOLDOWN_SECONDS = 120  # the hold cooldown of the inventories under contract


@pytest.fixture(params=["memory", "dynamodb"])
def empty_inventory(request):
    """A seat inventory with no screening in it yet (on DynamoDB: with its ClientRequestToken semantics)."""
    if request.param == "memory":
        yield InMemorySeatInventory(cooldown_seconds=COOLDOWN_SECONDS)
        return
    request.getfixturevalue("aws")
    from chalicelib.adapters.dynamodb.booking import DynamoSeatInventory

    moto_idempotency.forget()
    with moto_idempotency.PATCH.active():
        yield DynamoSeatInventory(cooldown_seconds=COOLDOWN_SECONDS)


@pytest.fixture
def inventory(empty_inventory, layout):
    """The inventory of one screening of `SMALL_LAYOUT`, created through the port as the catalog creates it."""
    empty_inventory.add_screening(SCREENING, layout.seats)
    return empty_inventory


def a_hold(
    user: str,
    seats: tuple[str, ...],
    *,
    at: datetime = NOW,
    seconds: int = 600,
    started_at: datetime | None = None,
    screening_id: str = SCREENING,
) -> Reservation:
    """A hold (of `SCREENING` unless told) with an id of its own (ids are never reused across tests and modules)."""
    return Reservation(
        id=f"rsv_{user}_{uuid4().hex[:12]}",
        screening_id=screening_id,
        user_id=user,
        seat_ids=seats,
        prices={seat: 1200 for seat in seats},
        currency="USD",
        status="active",
        created_at=at,
        expires_at=at + timedelta(seconds=seconds),
        started_at=started_at or at,
    )


def statuses(inventory) -> dict[str, tuple[str, str | None]]:
    return {seat.seat_id: (seat.status, seat.hold_id) for seat in inventory.seat_states(SCREENING)}
