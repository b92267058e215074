"""The seat inventory contract runs against the in-memory fake and the DynamoDB adapter (on moto) alike."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb.models.booking import SeatItem
from chalicelib.domain.layout import Layout, parse_layout
from tests.fakes.booking import InMemorySeatInventory

SCREENING = "scr_contract"

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


def write_seat_items(screening_id: str, layout: Layout) -> None:
    """What creating a screening does to the seats table (the catalog's job in production)."""
    with SeatItem.batch_write() as batch:
        for seat in layout.seats:
            batch.save(SeatItem.for_seat(screening_id, seat))


@pytest.fixture
def layout() -> Layout:
    return parse_layout(SMALL_LAYOUT)


@pytest.fixture(params=["memory", "dynamodb"])
def inventory(request, layout):
    if request.param == "memory":
        fake = InMemorySeatInventory()
        fake.add_screening(SCREENING, layout)
        return fake
    request.getfixturevalue("aws")
    from chalicelib.adapters.dynamodb.booking import DynamoSeatInventory

    write_seat_items(SCREENING, layout)
    return DynamoSeatInventory()
