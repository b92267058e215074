"""The seat layout: what a valid layout gives back, and how an invalid one is turned away."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.layout import MAX_PRICE_CENTS, MAX_SEAT_NUMBER, parse_layout
from chalicelib.domain.reservations import MOST_SEATS_PER_HOLD, HoldPolicy

PRICES = {"standard": 1200, "vip": 1800, "accessible": 1000}


def small_theater() -> dict[str, Any]:
    return {
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
            },
        ],
        "prices": dict(PRICES),
    }


def small_theater_in_full() -> dict[str, Any]:
    """`small_theater()` as every written form of a layout spells it (the API's answer, the stored document):
    every row lists its aisles, and a seat says `blocked` only when it is."""
    theater = small_theater()
    theater["rows"][1]["aisles_after"] = []
    return theater


def rejection(data: Any) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as rejected:
        parse_layout(data)
    assert rejected.value.code == "invalid_layout"
    return rejected.value


def with_change(change: Any) -> dict[str, Any]:
    data = small_theater()
    change(data)
    return data


def test_a_valid_layout_numbers_rows_from_the_front_and_seats_from_the_left():
    layout = parse_layout(small_theater())

    seat = layout.seat("A4")

    assert (seat.row, seat.number, seat.row_index, seat.position) == ("A", 4, 0, 3)
    assert layout.seat("B2").row_index == 1
    assert [seat.id for seat in layout.seats] == ["A1", "A2", "A3", "A4", "B1", "B2"]
    assert layout.seats_total == 6


def test_each_seat_carries_the_price_of_its_category():
    layout = parse_layout(small_theater())

    assert layout.seat("A1").price_cents == 1000
    assert layout.seat("A2").price_cents == 1200
    assert layout.seat("B1").price_cents == 1800


def test_categories_are_those_some_seat_has():
    data = small_theater()
    data["prices"]["premium"] = 2500

    assert parse_layout(data).categories == ("accessible", "standard", "vip")


def test_accessible_seats_are_those_of_the_accessible_category():
    layout = parse_layout(small_theater())

    assert [seat.id for seat in layout.seats if seat.accessible] == ["A1"]


def test_a_blocked_seat_is_part_of_the_layout_and_marked_blocked():
    layout = parse_layout(small_theater())

    assert layout.seat("A3").blocked
    assert not layout.seat("A4").blocked


def test_an_aisle_separates_neighbouring_seats_and_so_does_the_end_of_the_row():
    row = parse_layout(small_theater()).rows[0]

    assert row.adjacent_to_next(0)
    assert not row.adjacent_to_next(1)
    assert row.adjacent_to_next(2)
    assert not row.adjacent_to_next(3)


def test_gaps_in_seat_numbers_do_not_separate_seats():
    data = {"rows": [{"label": "A", "seats": [{"number": 1}, {"number": 5}]}], "prices": {"standard": 900}}

    row = parse_layout(data).rows[0]

    assert row.adjacent_to_next(0)


def test_a_seat_without_a_category_is_standard():
    data = {"rows": [{"label": "A", "seats": [{"number": 1}]}], "prices": {"standard": 900}}

    assert parse_layout(data).seat("A1").category == "standard"


def test_asking_for_a_seat_the_theater_does_not_have_is_an_unknown_seat():
    layout = parse_layout(small_theater())

    with pytest.raises(InvalidRequest) as unknown:
        layout.seat("Z9")

    assert unknown.value.code == "unknown_seat"
    assert "Z9" not in layout
    assert "A1" in layout


def test_a_layout_cannot_be_changed_once_built():
    layout = parse_layout(small_theater())

    with pytest.raises(dataclasses.FrozenInstanceError):
        layout.rows = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        layout.prices["vip"] = 1  # type: ignore[index]


def test_the_layout_does_not_keep_a_reference_to_the_json_it_came_from():
    data = small_theater()
    layout = parse_layout(data)

    data["prices"]["vip"] = 1

    assert layout.prices["vip"] == 1800


def test_equal_layouts_are_equal_and_hash_alike():
    assert parse_layout(small_theater()) == parse_layout(small_theater())
    assert hash(parse_layout(small_theater())) == hash(parse_layout(small_theater()))


def _set(path: tuple[Any, ...], value: Any):
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: tuple[Any, ...]):
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


INVALID = [
    pytest.param(["not", "a", "dict"], "must be an object", id="not_an_object"),
    pytest.param(with_change(_delete(("rows",))), "at least one row", id="rows_missing"),
    pytest.param(with_change(_set(("rows",), [])), "at least one row", id="rows_empty"),
    pytest.param(with_change(_delete(("rows", 1, "label"))), "Row 2 has no label", id="row_without_label"),
    pytest.param(with_change(_set(("rows", 1, "label"), "A")), "Row label A is used twice", id="duplicate_label"),
    pytest.param(with_change(_set(("rows", 1, "label"), "b")), "1 to 3 uppercase letters", id="lowercase_label"),
    pytest.param(with_change(_set(("rows", 1, "label"), "ABCD")), "1 to 3 uppercase letters", id="long_label"),
    pytest.param(with_change(_set(("rows", 1, "seats"), [])), "Row B has no seats", id="empty_row"),
    pytest.param(with_change(_set(("rows", 1, "seats", 0, "number"), 0)), "positive whole number", id="seat_zero"),
    pytest.param(with_change(_set(("rows", 1, "seats", 1, "number"), 1000)), "up to 999", id="seat_over_999"),
    pytest.param(with_change(_set(("rows", 1, "seats", 0, "number"), "1")), "positive whole number", id="seat_text"),
    pytest.param(with_change(_set(("rows", 1, "seats", 0, "price"), 5)), "unknown field 'price'", id="seat_field"),
    pytest.param(with_change(_set(("rows", 1, "colour"), "red")), "unknown field 'colour'", id="row_field"),
    pytest.param(with_change(_set(("screen",), "wide")), "unknown field 'screen'", id="layout_field"),
    pytest.param(with_change(_set(("rows", 1, "seats", 0, "number"), True)), "positive whole number", id="seat_bool"),
    pytest.param(with_change(_set(("rows", 1, "seats", 1, "number"), 1)), "seat number 1 twice", id="duplicate_seat"),
    pytest.param(
        with_change(_set(("rows", 0, "seats", 3, "number"), 3)), "seat number 3 twice", id="duplicate_seat_later"
    ),
    pytest.param(
        with_change(lambda data: data["rows"][0]["seats"].reverse()), "numbers must increase", id="decreasing_numbers"
    ),
    pytest.param(with_change(_set(("rows", 1, "seats", 0, "category"), "gold")), "'gold'", id="unknown_category"),
    pytest.param(with_change(_set(("prices", "vip"), -1)), "price of vip", id="negative_price"),
    pytest.param(with_change(_set(("prices", "vip"), 12.5)), "price of vip", id="fractional_price"),
    pytest.param(with_change(_set(("prices", "vip"), 10**40)), "from 0 to 1000000", id="price_storage_cannot_hold"),
    pytest.param(
        with_change(_set(("prices",), {f"c{i}": 1 for i in range(21)})), "at most 20", id="too_many_categories"
    ),
    pytest.param(with_change(_set(("prices", "Gold Seats"), 10)), "not a valid name", id="bad_category_name"),
    pytest.param(with_change(_delete(("prices",))), "prices", id="prices_missing"),
    pytest.param(with_change(_set(("rows", 0, "aisles_after"), [9])), "aisle after 9", id="aisle_after_no_seat"),
    pytest.param(with_change(_set(("rows", 0, "aisles_after"), 2)), "aisles_after", id="aisles_not_a_list"),
    pytest.param(with_change(_set(("rows", 0, "seats", 0, "blocked"), "yes")), "true or false", id="blocked_not_bool"),
]


@pytest.mark.parametrize(("data", "named_problem"), INVALID)
def test_an_invalid_layout_is_refused_with_a_sentence_naming_the_problem(data: Any, named_problem: str):
    refused = rejection(data)

    assert named_problem in refused.message
    assert any(named_problem in problem for problem in refused.details["problems"])


def test_every_problem_is_reported_at_once():
    data = small_theater()
    data["rows"][0]["seats"][0]["category"] = "gold"
    data["rows"][1]["label"] = "a"

    refused = rejection(data)

    assert len(refused.details["problems"]) == 2
    assert refused.message.startswith("The layout has 2 problems")


def test_a_row_holds_at_most_100_seats():
    seats = [{"number": number} for number in range(1, 102)]

    refused = rejection({"rows": [{"label": "A", "seats": seats}], "prices": {"standard": 1}})

    assert refused.details["problems"] == ["Row A has 101 seats; at most 100 are allowed in a row."]


def test_a_theater_holds_at_most_2000_seats():
    rows = [{"label": label, "seats": [{"number": n} for n in range(1, 101)]} for label in "ABCDEFGHIJKLMNOPQRSTU"]

    refused = rejection({"rows": rows, "prices": {"standard": 1}})

    assert refused.details["problems"] == ["The layout has 2100 seats; at most 2000 are allowed."]


def test_a_theater_of_exactly_2000_seats_is_accepted():
    rows = [{"label": label, "seats": [{"number": n} for n in range(1, 101)]} for label in "ABCDEFGHIJKLMNOPQRST"]

    assert parse_layout({"rows": rows, "prices": {"standard": 1}}).seats_total == 2000


def test_a_flood_of_problems_is_cut_short_in_the_details():
    seats = [{"number": 1, "category": "gold"} for _ in range(80)]

    refused = rejection({"rows": [{"label": "A", "seats": seats}], "prices": {"standard": 1}})

    assert len(refused.details["problems"]) == 51
    assert refused.details["problems"][-1].startswith("...and")


@st.composite
def layout_json(draw: st.DrawFn) -> dict[str, Any]:
    labels = draw(st.lists(st.from_regex(r"[A-Z]{1,3}", fullmatch=True), min_size=1, max_size=12, unique=True))
    categories = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,19}", fullmatch=True), min_size=1, max_size=4))
    rows = []
    for label in labels:
        gaps = draw(st.lists(st.integers(1, 3), min_size=1, max_size=30))
        gaps[0] = draw(st.sampled_from([1, 2, MAX_SEAT_NUMBER - sum(gaps[1:])]))  # up to the highest seat number
        numbers = [sum(gaps[: index + 1]) for index in range(len(gaps))]
        seats = [
            {"number": number, "category": draw(st.sampled_from(categories))}
            | ({"blocked": True} if draw(st.booleans()) else {})
            for number in numbers
        ]
        aisles = draw(st.lists(st.sampled_from(numbers), unique=True))
        rows.append({"label": label, "seats": seats, "aisles_after": aisles})
    prices = {category: draw(st.integers(0, MAX_PRICE_CENTS)) for category in categories}
    return {"rows": rows, "prices": prices}


@settings(max_examples=150, deadline=None)
@given(layout_json())
def test_seat_ids_are_unique_and_positions_count_from_zero_in_every_row(data: dict[str, Any]):
    layout = parse_layout(data)

    assert len({seat.id for seat in layout.seats}) == layout.seats_total
    for row_index, row in enumerate(layout.rows):
        assert [seat.position for seat in row.seats] == list(range(len(row.seats)))
        assert {seat.row_index for seat in row.seats} == {row_index}
        assert all(layout.seat(seat.id) is seat for seat in row.seats)


@settings(max_examples=100, deadline=None)
@given(layout_json())
def test_every_seat_of_an_accepted_layout_can_be_asked_for_in_a_hold(data: dict[str, Any]):
    layout = parse_layout(data)

    for seat in layout.seats:
        assert HoldPolicy(max_seats=1).validate_seats([seat.id]) == (seat.id,)


def test_the_highest_seat_a_layout_takes_is_one_a_hold_takes():
    layout = parse_layout(
        {"rows": [{"label": "ZZZ", "seats": [{"number": MAX_SEAT_NUMBER}]}], "prices": {"standard": MAX_PRICE_CENTS}}
    )

    assert HoldPolicy().validate_seats(["ZZZ999"]) == ("ZZZ999",)
    assert layout.seat("ZZZ999").price_cents == MAX_PRICE_CENTS
    with pytest.raises(InvalidRequest, match="up to 999"):
        parse_layout({"rows": [{"label": "A", "seats": [{"number": MAX_SEAT_NUMBER + 1}]}], "prices": {"standard": 1}})


def test_a_hold_policy_cannot_allow_holds_too_large_for_one_transaction():
    HoldPolicy(max_seats=MOST_SEATS_PER_HOLD)

    with pytest.raises(ValueError, match="1 to 48"):
        HoldPolicy(max_seats=MOST_SEATS_PER_HOLD + 1)
