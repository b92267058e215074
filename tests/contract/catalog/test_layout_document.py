"""The layout's stored form (a theater item's ``layout``): what it keeps, and that any layout survives it."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings

from chalicelib.adapters.dynamodb.catalog import layout_document, stored_layout
from chalicelib.domain.layout import Layout, parse_layout
from tests.unit.test_layout import layout_json, small_theater


def test_the_stored_layout_lists_every_aisle_and_only_the_blocked_flags_that_are_set():
    layout = parse_layout(small_theater())

    assert json.loads(layout_document(layout)) == {
        "rows": [
            {
                "label": "A",
                "seats": [
                    {"number": 1, "category": "accessible"},
                    {"number": 2, "category": "standard"},
                    {"number": 3, "category": "standard", "blocked": True},
                    {"number": 4, "category": "standard"},
                ],
                "aisles_after": [2],
            },
            {
                "label": "B",
                "seats": [{"number": 1, "category": "vip"}, {"number": 2, "category": "vip"}],
                "aisles_after": [],
            },
        ],
        "prices": {"accessible": 1000, "standard": 1200, "vip": 1800},
    }


@settings(max_examples=150, deadline=None)
@given(layout_json())
def test_any_well_formed_layout_survives_a_round_trip_through_its_stored_form(data: dict[str, Any]):
    original = copy.deepcopy(data)

    layout = parse_layout(data)

    assert data == original
    assert stored_layout(layout_document(layout)) == layout
    assert isinstance(layout, Layout)
