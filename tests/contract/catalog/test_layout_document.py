"""The layout's stored form (a theater item's ``layout``): what it keeps, and that any layout survives it."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings

from chalicelib.adapters.dynamodb.catalog import layout_document, stored_layout
from chalicelib.domain.layout import Layout, parse_layout
from tests.unit.test_layout import layout_json, small_theater, small_theater_in_full


def test_the_stored_layout_lists_every_aisle_and_only_the_blocked_flags_that_are_set():
    layout = parse_layout(small_theater())

    assert json.loads(layout_document(layout)) == small_theater_in_full()


@settings(max_examples=150, deadline=None)
@given(layout_json())
def test_any_well_formed_layout_survives_a_round_trip_through_its_stored_form(data: dict[str, Any]):
    original = copy.deepcopy(data)

    layout = parse_layout(data)

    assert data == original
    assert stored_layout(layout_document(layout)) == layout
    assert isinstance(layout, Layout)
