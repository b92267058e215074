"""Caches are bounded in bytes as well as entries, and the size estimates they rely on hold against a measure."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.holds import SeatState
from chalicelib.domain.layout import parse_layout
from chalicelib.domain.reservations import HoldPolicy
from chalicelib.services.booking import LAYOUT_CACHE_BYTES, BookingService, SeatMap, SeatView
from chalicelib.services.caching import BoundedCache
from tests.fakes.booking import InMemorySeatInventory, RecordingPublisher, RecordingScheduler, StaticLayouts
from tests.fakes.clock import FakeClock


def layout_json(rows: int, seats_per_row: int) -> dict[str, Any]:
    labels = [a + b for a in "ABCDEFGHIJ" for b in "ABCDEFGHIJ"][:rows]
    return {
        "rows": [
            {"label": label, "seats": [{"number": n} for n in range(1, seats_per_row + 1)], "aisles_after": [1]}
            for label in labels
        ],
        "prices": {"standard": 1200},
    }


def measured_bytes(build) -> tuple[Any, int]:
    """What `build()` leaves allocated, as tracemalloc counts it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        built = build()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    return built, sum(stat.size_diff for stat in after.compare_to(before, "filename"))


def sized(values: dict[str, int]) -> BoundedCache[str, str]:
    cache: BoundedCache[str, str] = BoundedCache(max_entries=10, max_bytes=100, size_of=values.__getitem__)
    return cache


# --- the cache ----------------------------------------------------------------------------------------------


def test_the_least_recently_used_values_are_forgotten_once_the_bytes_would_exceed_the_budget():
    cache = sized({"a": 40, "b": 40, "c": 40})
    cache.put("a", "a")
    cache.put("b", "b")
    assert cache.get("a") == "a"  # a is now the most recently used

    cache.put("c", "c")

    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == ("a", "c")
    assert cache.estimated_bytes == 80


def test_the_entry_bound_holds_too():
    cache: BoundedCache[int, int] = BoundedCache(max_entries=3, max_bytes=10**9, size_of=lambda _: 1)
    for key in range(5):
        cache.put(key, key)

    assert len(cache) == 3
    assert [cache.get(key) for key in range(5)] == [None, None, 2, 3, 4]


def test_a_value_larger_than_the_whole_budget_is_not_kept_and_evicts_nothing():
    cache = sized({"small": 10, "huge": 101})
    cache.put("small", "small")

    cache.put("huge", "huge")

    assert cache.get("huge") is None
    assert cache.get("small") == "small"
    assert cache.estimated_bytes == 10


def test_putting_a_key_again_counts_its_size_once():
    cache = sized({"a": 30})
    cache.put("a", "a")
    cache.put("a", "a")

    assert cache.estimated_bytes == 30


# --- the estimates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "per_row"), [(20, 100), (40, 50), (10, 20), (1, 2)])
def test_a_layouts_estimated_size_covers_what_it_takes_and_not_much_more(rows, per_row):
    data = layout_json(rows, per_row)

    layout, measured = measured_bytes(lambda: parse_layout(data))

    assert measured <= layout.estimated_bytes <= max(1.5 * measured, measured + 4096), (measured, layout.seats_total)


@pytest.mark.parametrize("seats", [2000, 200])
def test_a_seat_maps_estimated_size_covers_its_states_and_views(seats):
    layout = parse_layout(layout_json(20, seats // 20))

    def build() -> SeatMap:
        states = [
            SeatState(seat.id, "held", "hold_" + "h" * 27, "u_" + "u" * 27, 1_780_000_000_000, 3)
            for seat in layout.seats
        ]
        return SeatMap(
            "scr_1", tuple(SeatView(s, state, "held") for s, state in zip(layout.seats, states, strict=True)), 0
        )

    seat_map, measured = measured_bytes(build)

    assert measured <= seat_map.estimated_bytes <= 1.5 * measured


# --- the booking service's layout cache -------------------------------------------------------------------


def test_the_layout_cache_keeps_within_its_byte_budget_with_many_large_theaters():
    clock = FakeClock()
    largest = parse_layout(layout_json(20, 100))  # 2,000 seats, the most a theater has
    layouts = StaticLayouts()
    for n in range(256):
        layouts.add(f"scr_{n}", largest, clock.now() + timedelta(days=1))
    booking = BookingService(
        InMemorySeatInventory(), layouts, RecordingScheduler(), RecordingPublisher(), clock, HoldPolicy()
    )

    for n in range(256):
        booking.layout(f"scr_{n}")

    cache = booking._layout_cache
    assert cache.estimated_bytes <= LAYOUT_CACHE_BYTES
    assert len(cache) == LAYOUT_CACHE_BYTES // largest.estimated_bytes
    assert booking.layout("scr_255") is largest  # the most recent ones are kept
