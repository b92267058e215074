"""Best-available seats: which seats we offer when a party asks for `count` of them."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.layout import Layout, Seat, parse_layout
from chalicelib.domain.seating import Suggestion, suggest

PRICES = {"standard": 1200, "vip": 1800, "accessible": 1000}
MARKS = {".": ("standard", False), "x": ("standard", True), "#": ("standard", False), "v": ("vip", False)}
MARKS |= {"V": ("vip", True), "a": ("accessible", False), "A": ("accessible", True)}


def theater(picture: str) -> tuple[Layout, set[str]]:
    """A layout and its taken seats, drawn with the screen at the top.

    Each line is a row label, then one mark per seat numbered from 1: `.` free, `x` taken, `#` blocked
    (not listed as taken), `v`/`V` vip free/taken, `a`/`A` accessible free/taken; `|` is an aisle.
    """
    rows, taken = [], set()
    for line in picture.strip().splitlines():
        label, *marks = line.split()
        seats, aisles = [], []
        for mark in marks:
            if mark == "|":
                aisles.append(len(seats))
                continue
            category, is_taken = MARKS[mark]
            seats.append({"number": len(seats) + 1, "category": category, "blocked": mark == "#"})
            if is_taken:
                taken.add(f"{label}{len(seats)}")
        rows.append({"label": label, "seats": seats, "aisles_after": aisles})
    return parse_layout({"rows": rows, "prices": PRICES}), taken


def empty_theater(rows: int, seats: int) -> Layout:
    layout, _ = theater("\n".join(f"{chr(65 + index)} {' .' * seats}" for index in range(rows)))
    return layout


def seat_sets(suggestions: list[Suggestion]) -> set[tuple[str, ...]]:
    return {suggestion.seat_ids for suggestion in suggestions}


def test_a_party_is_offered_free_seats_side_by_side_in_one_row():
    layout, taken = theater("""
        A x x x x x x
        B x x . . . x
    """)

    offered = suggest(layout, taken, 3)

    assert [(s.seat_ids, s.row, s.adjacent) for s in offered] == [(("B3", "B4", "B5"), "B", True)]
    assert "adjacent seats in row B" in offered[0].reasons


def test_taken_and_blocked_seats_are_never_offered():
    layout, taken = theater("A x # . . x")

    assert seat_sets(suggest(layout, taken, 2)) == {("A3", "A4")}


def test_a_block_never_strands_a_single_seat_when_it_can_avoid_it():
    layout, taken = theater("A . . . . . . x")

    offered = suggest(layout, taken, 2)

    assert seat_sets(offered) == {("A1", "A2"), ("A3", "A4"), ("A5", "A6")}
    assert all("no single seat left stranded" in s.reasons for s in offered)


def test_a_block_that_strands_a_seat_is_offered_when_every_block_would():
    layout, taken = theater("A . . . x")

    offered = suggest(layout, taken, 2)

    assert seat_sets(offered) == {("A1", "A2"), ("A2", "A3")}
    assert all(s.adjacent and s.score < 60 for s in offered)
    assert all("every free block strands a single seat" in s.reasons for s in offered)


def test_an_aisle_strands_a_seat_as_surely_as_a_taken_one():
    layout, taken = theater("A . . . | . . . .")

    assert seat_sets(suggest(layout, taken, 2)) == {("A4", "A5"), ("A6", "A7")}


def test_seats_across_an_aisle_are_not_a_block():
    layout, taken = theater("A . . | . .")

    offered = suggest(layout, taken, 3)

    assert offered
    assert not any(s.adjacent for s in offered)


def test_the_best_seats_are_about_two_thirds_back_and_centred():
    layout = empty_theater(rows=10, seats=10)

    best = suggest(layout, set(), 2)[0]

    assert best.seat_ids == ("G5", "G6")
    assert best.score == 100
    assert {"centre of the row", "about two thirds of the way back"} <= set(best.reasons)


def test_seats_near_the_ones_first_chosen_come_first():
    layout, taken = theater("\n".join(f"{label} {' .' * 12}" for label in "ABCDEFG"))
    taken |= {"B1", "B2"}

    anywhere = suggest(layout, taken, 2)[0]
    near_first_choice = suggest(layout, taken, 2, near=["B1", "B2"])[0]

    assert anywhere.seat_ids == ("E6", "E7")
    assert near_first_choice.row in {"A", "B", "C"}
    assert layout.seat(near_first_choice.seat_ids[0]).position <= 3
    assert "near the seats you chose" in near_first_choice.reasons


def test_near_seats_the_theater_does_not_have_are_ignored():
    layout = empty_theater(rows=3, seats=6)

    assert suggest(layout, set(), 2, near=["Z99"]) == suggest(layout, set(), 2)


def test_a_category_keeps_every_offer_within_it():
    layout, taken = theater("A . . v v v . .")

    offered = suggest(layout, taken, 2, category="vip")

    assert seat_sets(offered) == {("A3", "A4"), ("A4", "A5")}
    assert all(s.category == "vip" and s.total_cents == 3600 for s in offered)


def test_accessible_asks_for_accessible_seats_only():
    layout, taken = theater("""
        A a a . . . .
        B . . . . a A
        C . . . . a a
    """)

    offered = suggest(layout, taken, 2, accessible=True)

    assert seat_sets(offered) == {("A1", "A2"), ("C5", "C6")}
    assert all(s.category == "accessible" for s in offered)


def test_a_party_is_split_only_when_no_block_is_free():
    layout, taken = theater("""
        A . . x x . .
        B x x x x x x
    """)

    offered = suggest(layout, taken, 3)

    assert offered
    assert all(not s.adjacent and s.row == "A" and len(s.seat_ids) == 3 for s in offered)
    assert all(s.score < 40 for s in offered)
    assert {"no 3 adjacent seats are free", "2 groups in row A"} <= set(offered[0].reasons)


def test_a_split_uses_as_few_groups_as_possible():
    layout, taken = theater("""
        A . x . x . x .
        B . . . x x x x
    """)

    best = suggest(layout, taken, 4)[0]

    assert best.seat_ids[1:] == ("B1", "B2", "B3")
    assert best.seat_ids[0].startswith("A")
    assert best.row is None


def test_a_split_prefers_neighbouring_rows():
    layout, taken = theater("""
        A . . x x x x
        B x x x x x x
        C x x x x x x
        D . . x x x x
        E . . x x x x
    """)

    best = suggest(layout, taken, 4)[0]

    assert best.seat_ids == ("D1", "D2", "E1", "E2")
    assert "2 groups in rows D, E" in best.reasons


def test_nothing_is_offered_when_too_few_matching_seats_are_free():
    layout, taken = theater("A . x . x v")

    assert suggest(layout, taken, 4) == []
    assert suggest(layout, taken, 2, category="vip") == []
    assert suggest(layout, taken, 1, accessible=True) == []
    assert suggest(layout, taken, 1, category="no_such_category") == []


def test_offers_are_distinct_best_first_and_no_more_than_asked_for():
    layout = empty_theater(rows=5, seats=10)

    offered = suggest(layout, set(), 2, limit=3)

    assert len(offered) == 3
    assert len(seat_sets(offered)) == 3
    assert [s.score for s in offered] == sorted((s.score for s in offered), reverse=True)


def test_a_suggestion_has_its_row_category_and_price():
    layout, taken = theater("A x v v x")

    (offer,) = suggest(layout, taken, 2)

    assert (offer.seat_ids, offer.row, offer.adjacent, offer.category, offer.total_cents) == (
        ("A2", "A3"),
        "A",
        True,
        "vip",
        3600,
    )


def test_a_mixed_category_offer_has_no_single_category():
    layout, taken = theater("A x v . x")

    (offer,) = suggest(layout, taken, 2)

    assert (offer.category, offer.total_cents) == (None, 3000)


@pytest.mark.parametrize("count", [0, -1])
def test_asking_for_no_seats_is_refused(count: int):
    layout = empty_theater(rows=1, seats=4)

    with pytest.raises(InvalidRequest) as refused:
        suggest(layout, set(), count)

    assert refused.value.code == "validation_error"


def test_the_same_question_always_gets_the_same_answer():
    layout, taken = theater("""
        A . . x . . . x . .
        B . x . . x . . . .
        C . . . x . . | . .
    """)

    assert suggest(layout, taken, 3, near=["B2"]) == suggest(layout, set(taken), 3, near=["B2"])


# Properties over random theaters -------------------------------------------------------------------------------

CATEGORIES = ("standard", "vip", "accessible")


@dataclass(frozen=True)
class Question:
    layout: Layout
    taken: frozenset[str]
    count: int
    near: tuple[str, ...] = ()
    category: str | None = None
    accessible: bool = False
    limit: int = 5

    def ask(self) -> list[Suggestion]:
        return suggest(
            self.layout,
            set(self.taken),
            self.count,
            near=self.near,
            category=self.category,
            accessible=self.accessible,
            limit=self.limit,
        )

    def matches(self, seat: Seat) -> bool:
        free = not seat.blocked and seat.id not in self.taken
        in_category = self.category is None or seat.category == self.category
        return free and in_category and (not self.accessible or seat.category == "accessible")

    def free_blocks(self) -> list[tuple[Seat, ...]]:
        """Every run of `count` matching seats side by side, found the slow, obvious way."""
        blocks = []
        for row in self.layout.rows:
            for start in range(len(row.seats) - self.count + 1):
                block = row.seats[start : start + self.count]
                no_aisle_inside = all(seat.number not in row.aisles_after for seat in block[:-1])
                if no_aisle_inside and all(self.matches(seat) for seat in block):
                    blocks.append(block)
        return blocks

    def strands_a_seat(self, block: tuple[Seat, ...]) -> bool:
        """Whether taking `block` leaves one empty seat alone between it and a taken seat, aisle or row end."""
        row = self.layout.rows[block[0].row_index]

        def empty(position: int) -> bool:
            return (
                0 <= position < len(row.seats)
                and not row.seats[position].blocked
                and row.seats[position].id not in self.taken
            )

        def beside(left: int) -> bool:
            return 0 <= left < len(row.seats) - 1 and row.seats[left].number not in row.aisles_after

        first, last = block[0].position, block[-1].position
        alone_on_left = beside(first - 1) and empty(first - 1) and not (beside(first - 2) and empty(first - 2))
        alone_on_right = beside(last) and empty(last + 1) and not (beside(last + 1) and empty(last + 2))
        return alone_on_left or alone_on_right


@st.composite
def questions(draw: st.DrawFn) -> Question:
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))  # seat by seat details; structure is drawn directly
    density = draw(st.floats(0, 1))
    rows = []
    for label in "ABCDEFGHIJKLMNOPQRST"[: draw(st.integers(1, 20))]:
        numbers = range(1, draw(st.integers(1, 30)) + 1)
        seats = [
            {"number": n, "category": rng.choices(CATEGORIES, (6, 2, 2))[0], "blocked": rng.random() < 0.05}
            for n in numbers
        ]
        rows.append({"label": label, "seats": seats, "aisles_after": [n for n in numbers if rng.random() < 0.1]})
    layout = parse_layout({"rows": rows, "prices": PRICES})
    seat_ids = [seat.id for seat in layout.seats]
    return Question(
        layout=layout,
        taken=frozenset(seat_id for seat_id in seat_ids if rng.random() < density),
        count=draw(st.integers(1, 10)),
        near=tuple(rng.sample(seat_ids, min(len(seat_ids), draw(st.integers(0, 3))))),
        category=draw(st.sampled_from((None, None, *CATEGORIES))),
        accessible=draw(st.booleans()),
        limit=draw(st.integers(1, 6)),
    )


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@PROPERTY_SETTINGS
@given(questions())
def test_every_offer_is_the_right_number_of_distinct_free_matching_seats(question: Question):
    offers = question.ask()

    for offer in offers:
        seats = [question.layout.seat(seat_id) for seat_id in offer.seat_ids]
        assert len(set(offer.seat_ids)) == len(offer.seat_ids) == question.count
        assert all(question.matches(seat) for seat in seats)
        assert offer.total_cents == sum(seat.price_cents for seat in seats)


@PROPERTY_SETTINGS
@given(questions())
def test_offers_are_blocks_whenever_any_block_is_free(question: Question):
    blocks = {tuple(seat.id for seat in block) for block in question.free_blocks()}

    offers = question.ask()

    if blocks:
        assert all(offer.adjacent and offer.seat_ids in blocks for offer in offers)
    else:
        assert not any(offer.adjacent for offer in offers)


@PROPERTY_SETTINGS
@given(questions())
def test_offers_strand_no_seat_whenever_some_block_strands_none(question: Question):
    some_block_strands_none = any(not question.strands_a_seat(block) for block in question.free_blocks())

    offers = question.ask()

    if some_block_strands_none:
        for offer in offers:
            block = tuple(question.layout.seat(seat_id) for seat_id in offer.seat_ids)
            assert not question.strands_a_seat(block)


@PROPERTY_SETTINGS
@given(questions())
def test_nothing_is_offered_only_when_too_few_matching_seats_are_free(question: Question):
    matching_free = sum(question.matches(seat) for seat in question.layout.seats)

    offers = question.ask()

    assert (offers == []) == (matching_free < question.count)


@PROPERTY_SETTINGS
@given(questions())
def test_offers_are_distinct_sorted_best_first_scored_0_to_100_and_within_the_limit(question: Question):
    offers = question.ask()

    scores = [offer.score for offer in offers]
    assert len(offers) <= question.limit
    assert len({frozenset(offer.seat_ids) for offer in offers}) == len(offers)
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 100 for score in scores)
