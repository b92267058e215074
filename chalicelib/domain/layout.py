"""The theater seat layout: rows front to back, seats left to right, aisles and prices.

A `Layout` is valid by construction: `parse_layout` is the one way in from JSON, and it reports every
problem it finds at once as `InvalidRequest` with code ``invalid_layout``. A seat's id is its row label
followed by its number (``F12``); ids are unique because labels are letters and numbers are digits.

Two seats are adjacent when their positions in the row are consecutive and no aisle separates them;
seat numbers may skip (``1, 2, 5``) without breaking adjacency, an aisle always breaks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NoReturn, TypeGuard

from chalicelib.domain.errors import InvalidRequest

ACCESSIBLE = "accessible"
"""The category of wheelchair / accessible seats."""

DEFAULT_CATEGORY = "standard"
MAX_SEATS_TOTAL = 2000
MAX_SEATS_PER_ROW = 100
MAX_SEAT_NUMBER = 999
MAX_PRICE_CENTS = 1_000_000
"""10,000.00 in the currency: far above any ticket, far below what storage and totals can carry."""
MAX_CATEGORIES = 20

ROW_LABEL_PATTERN = r"[A-Z]{1,3}"
SEAT_ID_PATTERN = rf"^{ROW_LABEL_PATTERN}[1-9][0-9]{{0,2}}$"  # numbers 1 to 999: MAX_SEAT_NUMBER
"""A seat id: its row label, then its number 1 to `MAX_SEAT_NUMBER` without leading zeros (``F12``).

The one definition of what a seat is called: layouts are checked against it and holds take only ids like it,
so every seat an admin can create can be held."""
CATEGORY_PATTERN = r"^[a-z][a-z0-9_]{0,19}$"

LAYOUT_FIELDS = ("rows", "prices")
ROW_FIELDS = ("label", "seats", "aisles_after")
SEAT_FIELDS = ("number", "category", "blocked")

LAYOUT_BASE_BYTES = 4096
SEAT_BYTES = 300
"""Estimated memory of a built layout: measured ~2.5 KB + ~240 bytes a seat (tracemalloc, CPython 3.11), rounded
up; tests/unit/test_caching.py keeps the estimate above the measure and within 1.5 times it."""

_ROW_LABEL = re.compile(ROW_LABEL_PATTERN)
_CATEGORY = re.compile(CATEGORY_PATTERN)
_MAX_PROBLEMS_LISTED = 50


@dataclass(frozen=True)
class Seat:
    id: str
    row: str
    number: int
    category: str
    price_cents: int
    row_index: int
    """0 is the front row, nearest the screen."""
    position: int
    """0-based index of the seat within its row, left to right."""
    blocked: bool = False
    """Never sellable (a broken seat, a camera position...)."""

    @property
    def accessible(self) -> bool:
        return self.category == ACCESSIBLE


@dataclass(frozen=True)
class Row:
    label: str
    seats: tuple[Seat, ...]
    aisles_after: frozenset[int] = frozenset()
    """Seat numbers followed by an aisle."""

    @property
    def index(self) -> int:
        """0 for the front row."""
        return self.seats[0].row_index

    def adjacent_to_next(self, position: int) -> bool:
        """Whether the seat at `position` sits right beside the next one: not the row's end, no aisle between."""
        return position + 1 < len(self.seats) and self.seats[position].number not in self.aisles_after


@dataclass(frozen=True)
class Layout:
    rows: tuple[Row, ...]
    """Front (index 0) to back."""
    prices: Mapping[str, int] = field(hash=False)
    """Price in cents of each category; read-only."""
    _by_id: Mapping[str, Seat] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prices", MappingProxyType(dict(self.prices)))
        object.__setattr__(self, "_by_id", {seat.id: seat for row in self.rows for seat in row.seats})

    @property
    def seats(self) -> tuple[Seat, ...]:
        """Every seat, blocked ones included, front row first and left to right."""
        return tuple(self._by_id.values())

    @property
    def seats_total(self) -> int:
        return len(self._by_id)

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories that at least one seat has, sorted."""
        return tuple(sorted({seat.category for seat in self._by_id.values()}))

    def __contains__(self, seat_id: object) -> bool:
        return seat_id in self._by_id

    @property
    def estimated_bytes(self) -> int:
        """About what this layout takes in memory, for caches bounded in bytes."""
        return LAYOUT_BASE_BYTES + SEAT_BYTES * self.seats_total

    def seat(self, seat_id: str) -> Seat:
        """The seat with this id; `InvalidRequest` (``unknown_seat``) if the theater has none."""
        try:
            return self._by_id[seat_id]
        except KeyError:
            raise InvalidRequest(
                "unknown_seat", f"There is no seat {seat_id} in this theater.", {"seat_ids": [seat_id]}
            ) from None


def parse_layout(data: Any) -> Layout:
    """Validate a layout given as JSON and build it; raise `InvalidRequest` listing every problem found."""
    if not isinstance(data, Mapping):
        _reject(["The layout must be an object with rows and prices."])
    problems: list[str] = []
    _unknown_fields("The layout", data, LAYOUT_FIELDS, problems)
    prices = _parse_prices(data.get("prices"), problems)
    raw_rows = data.get("rows")
    if not isinstance(raw_rows, list) or not raw_rows:
        _reject([*problems, "The layout must list at least one row."])

    rows: list[Row] = []
    labels: set[str] = set()
    for row_index, raw_row in enumerate(raw_rows):
        row = _parse_row(row_index, raw_row, prices, labels, problems)
        if row is not None:
            rows.append(row)
    seats_total = sum(len(row.seats) for row in rows)
    if seats_total > MAX_SEATS_TOTAL:
        problems.append(f"The layout has {seats_total} seats; at most {MAX_SEATS_TOTAL} are allowed.")
    if problems:
        _reject(problems)
    return Layout(rows=tuple(rows), prices=prices)


def _parse_prices(raw: Any, problems: list[str]) -> dict[str, int]:
    if not isinstance(raw, Mapping):
        problems.append("The layout must give prices as an object mapping each category to a price in cents.")
        return {}
    if len(raw) > MAX_CATEGORIES:
        problems.append(f"The layout prices {len(raw)} categories; at most {MAX_CATEGORIES} are allowed.")
    prices: dict[str, int] = {}
    for category, cents in raw.items():
        if not isinstance(category, str) or not _CATEGORY.fullmatch(category):
            problems.append(f"Category {category!r} is not a valid name (lowercase letters, digits and _, at most 20).")
            continue
        if not _is_int(cents) or not 0 <= cents <= MAX_PRICE_CENTS:
            problems.append(f"The price of {category} must be a whole number of cents from 0 to {MAX_PRICE_CENTS}.")
        prices[category] = cents
    return prices


def _parse_row(
    row_index: int, raw: Any, prices: Mapping[str, int], labels: set[str], problems: list[str]
) -> Row | None:
    name = f"Row {row_index + 1}"
    if not isinstance(raw, Mapping):
        problems.append(f"{name} must be an object with a label and seats.")
        return None
    label = raw.get("label")
    if label is None or label == "":
        problems.append(f"{name} has no label.")
        label = ""
    elif not isinstance(label, str) or not _ROW_LABEL.fullmatch(label):
        problems.append(f"{name} has the label {label!r}; a row label is 1 to 3 uppercase letters.")
        label = ""
    elif label in labels:
        problems.append(f"Row label {label} is used twice.")
    else:
        labels.add(label)
        name = f"Row {label}"

    _unknown_fields(name, raw, ROW_FIELDS, problems)
    raw_seats = raw.get("seats")
    if not isinstance(raw_seats, list) or not raw_seats:
        problems.append(f"{name} has no seats.")
        return None
    if len(raw_seats) > MAX_SEATS_PER_ROW:
        problems.append(f"{name} has {len(raw_seats)} seats; at most {MAX_SEATS_PER_ROW} are allowed in a row.")

    seats: list[Seat] = []
    numbers: set[int] = set()
    last_number = 0
    for raw_seat in raw_seats:
        seat = _parse_seat(name, label, row_index, len(seats), raw_seat, prices, problems)
        if seat is None:
            continue
        if seat.number in numbers:
            problems.append(f"{name} has seat number {seat.number} twice.")
        elif seat.number <= last_number:
            problems.append(f"{name} lists seat {seat.number} after seat {last_number}; numbers must increase.")
        numbers.add(seat.number)
        last_number = max(last_number, seat.number)
        seats.append(seat)
    return Row(label=label, seats=tuple(seats), aisles_after=_parse_aisles(name, raw, seats, problems))


def _parse_seat(
    row_name: str,
    label: str,
    row_index: int,
    position: int,
    raw: Any,
    prices: Mapping[str, int],
    problems: list[str],
) -> Seat | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{row_name} has a seat that is not an object with a number and a category.")
        return None
    number = raw.get("number")
    if not _is_int(number) or not 1 <= number <= MAX_SEAT_NUMBER:
        problems.append(
            f"{row_name} has the seat number {number!r}; "
            f"a seat number is a positive whole number up to {MAX_SEAT_NUMBER}."
        )
        return None
    _unknown_fields(f"Seat {label}{number}", raw, SEAT_FIELDS, problems)
    category = raw.get("category", DEFAULT_CATEGORY)
    if not isinstance(category, str) or category not in prices:
        problems.append(f"Seat {label}{number} has the category {category!r}, which has no price.")
    blocked = raw.get("blocked", False)
    if not isinstance(blocked, bool):
        problems.append(f"Seat {label}{number} has blocked={blocked!r}; it must be true or false.")
    return Seat(
        id=f"{label}{number}",
        row=label,
        number=number,
        category=category,
        price_cents=prices.get(category, 0) if isinstance(category, str) else 0,
        row_index=row_index,
        position=position,
        blocked=blocked is True,
    )


def _parse_aisles(row_name: str, raw: Mapping[str, Any], seats: list[Seat], problems: list[str]) -> frozenset[int]:
    raw_aisles = raw.get("aisles_after", [])
    if not isinstance(raw_aisles, list):
        problems.append(f"{row_name} must list aisles_after as seat numbers.")
        return frozenset()
    numbers = {seat.number for seat in seats}
    aisles: set[int] = set()
    for number in raw_aisles:
        if _is_int(number) and number in numbers:
            aisles.add(number)
        else:
            problems.append(f"{row_name} has an aisle after {number!r}, which is not a seat number of that row.")
    return frozenset(aisles)


def _unknown_fields(name: str, raw: Mapping[str, Any], known: tuple[str, ...], problems: list[str]) -> None:
    for key in raw:
        if key not in known:
            problems.append(f"{name} has the unknown field {str(key)[:40]!r}; it takes {', '.join(known)}.")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _reject(problems: list[str]) -> NoReturn:
    listed = problems[:_MAX_PROBLEMS_LISTED]
    if len(problems) > len(listed):
        listed.append(f"...and {len(problems) - len(listed)} more problems.")
    message = problems[0] if len(problems) == 1 else f"The layout has {len(problems)} problems; first: {problems[0]}"
    raise InvalidRequest("invalid_layout", message, {"problems": listed})
