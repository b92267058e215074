"""Best-available seats: pure and deterministic; blocks are found in one pass over the seats.

Hard rules, each one never traded away for a later one:

1. only free seats (not taken, not blocked), exactly `count` of them, all of the asked category and
   all accessible when asked;
2. a block of adjacent seats in one row whenever any such block is free;
3. among blocks, only ones that strand no single empty seat (an "orphan": one free seat left between
   the block and a taken seat, an aisle or the row's end) whenever any such block exists.

Soft preferences are blended into a quality ``q`` in [0, 1], and the score places it in a band:

    view  = 0.6 * row_fit + 0.4 * centre_fit      row_fit: 1 at 2/3 of the way back; centre_fit: 1 mid-row
    q     = view, or 0.65 * near_fit + 0.35 * view when `near` seats are given (near_fit = 1 / (1 + d / 2))
    score = 60 + 40q for orphan-free blocks, 40 + 19q for blocks that strand a seat,
            39 * (0.45 / (groups - 1) + 0.25 / rows_spanned + 0.3q) for splits

Only when no block of `count` is free do we split: for each band of neighbouring rows, the fewest groups
that fit (largest free runs first), then the bands are ranked by score.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.layout import Layout, Row, Seat

_IDEAL_DEPTH = 2 / 3
_MAX_EXTRA_ROWS_IN_SPLIT = 3


@dataclass(frozen=True)
class Suggestion:
    seat_ids: tuple[str, ...]
    """Front row first, left to right."""
    score: float
    """0-100, higher is better; suggestions come sorted by it."""
    row: str | None
    """The row label when every seat is in one row."""
    adjacent: bool
    """True for a single block of side-by-side seats."""
    category: str | None
    """The category when every seat shares one."""
    total_cents: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _Run:
    """Side-by-side matching free seats [start, end) inside a stretch of free seats [free_start, free_end)."""

    row: Row
    start: int
    end: int
    free_start: int
    free_end: int

    def __len__(self) -> int:
        return self.end - self.start

    def strands_a_seat(self, start: int, end: int) -> bool:
        return start - self.free_start == 1 or self.free_end - end == 1


_Group = tuple[Row, int, int]
"""Seats [start, end) of a row."""


@dataclass(frozen=True)
class _Fit:
    quality: float
    row: float
    centre: float
    near: float | None


def suggest(
    layout: Layout,
    taken: Collection[str],
    count: int,
    *,
    near: Sequence[str] = (),
    category: str | None = None,
    accessible: bool = False,
    limit: int = 5,
) -> list[Suggestion]:
    """Up to `limit` distinct ways to seat `count` people, best first; empty only if too few matching seats are free.

    `taken` holds the ids of seats held, sold or blocked (blocked seats are never offered either way);
    `near` names the seats the customer first asked for, and unknown ids there are ignored. A `count`
    below 1 is an `InvalidRequest`; a `limit` below 1 asks for nothing and gets nothing.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidRequest("validation_error", "Ask for at least one seat.", {"count": count})
    if limit < 1:
        return []
    taken = frozenset(taken)

    def wanted(seat: Seat) -> bool:
        return (category is None or seat.category == category) and (not accessible or seat.accessible)

    runs = list(_free_runs(layout, taken, wanted))
    if sum(len(run) for run in runs) < count:
        return []
    judge = _Judge(layout, [layout.seat(seat_id) for seat_id in near if seat_id in layout])
    blocks = _blocks(runs, count, judge, limit)
    if blocks:
        return blocks
    return _splits(runs, count, judge, limit)


def _free_runs(layout: Layout, taken: Collection[str], wanted: Callable[[Seat], bool]) -> Iterator[_Run]:
    """Every maximal run of side-by-side free seats that match, with the free stretch around it."""
    for row in layout.rows:
        seats = row.seats
        free = [not seat.blocked and seat.id not in taken for seat in seats]
        position = 0
        while position < len(seats):
            if not free[position]:
                position += 1
                continue
            stretch_start = position
            while row.adjacent_to_next(position) and free[position + 1]:
                position += 1
            stretch_end = position = position + 1
            run_start: int | None = None
            for inside in range(stretch_start, stretch_end):
                if wanted(seats[inside]):
                    run_start = inside if run_start is None else run_start
                elif run_start is not None:
                    yield _Run(row, run_start, inside, stretch_start, stretch_end)
                    run_start = None
            if run_start is not None:
                yield _Run(row, run_start, stretch_end, stretch_start, stretch_end)


def _blocks(runs: Sequence[_Run], count: int, judge: _Judge, limit: int) -> list[Suggestion]:
    """The best blocks of `count` side-by-side seats; only orphan-free ones if any exist."""
    windows = [
        (run.strands_a_seat(start, start + count), judge.fit([(run.row, start, start + count)]), run.row, start)
        for run in runs
        for start in range(run.start, run.end - count + 1)
    ]
    if not all(strands for strands, *_ in windows):
        windows = [window for window in windows if not window[0]]
    best = heapq.nsmallest(limit, windows, key=lambda window: (-window[1].quality, window[2].index, window[3]))
    suggestions = []
    for strands, fit, row, start in best:
        score = 40 + 19 * fit.quality if strands else 60 + 40 * fit.quality
        reasons = [
            f"adjacent seats in row {row.label}",
            "every free block strands a single seat" if strands else "no single seat left stranded",
        ]
        suggestions.append(_suggestion([(row, start, start + count)], score, True, fit, reasons))
    return suggestions


def _splits(runs: Sequence[_Run], count: int, judge: _Judge, limit: int) -> list[Suggestion]:
    """The best ways to seat `count` in several groups, when no block of `count` is free.

    For each band of neighbouring rows, the largest runs in it are taken whole (fewest groups) and the
    last group is the best window of the size still needed. A band stops growing once it reaches the
    fewest groups possible or a few rows past its first fit, which keeps the work near linear.
    """
    ordered = sorted(runs, key=lambda run: (-len(run), -judge.window(*_whole(run)), run.row.index, run.start))
    fewest = _groups_needed([len(run) for run in ordered], count)
    by_row: dict[int, list[int]] = {}
    for rank, run in enumerate(ordered):
        by_row.setdefault(run.row.index, []).append(rank)
    rows = sorted(by_row)
    candidates: dict[frozenset[str], tuple[float, list[_Group]]] = {}
    for first_index in range(len(rows)):
        pool: list[int] = []
        pooled_seats = 0
        fitted_at: int | None = None
        for last in rows[first_index:]:
            if fitted_at is not None and last - fitted_at > _MAX_EXTRA_ROWS_IN_SPLIT:
                break
            for rank in by_row[last]:
                bisect.insort(pool, rank)
                pooled_seats += len(ordered[rank])
            if pooled_seats < count:
                continue
            groups = _fill([ordered[rank] for rank in pool], count, judge)
            fitted_at = last if fitted_at is None else fitted_at
            seat_ids = frozenset(seat.id for row, start, end in groups for seat in row.seats[start:end])
            candidates.setdefault(seat_ids, (_split_score(groups, judge), groups))
            if len(groups) == fewest:
                break
        if fitted_at is None:
            break
    best = heapq.nsmallest(limit, candidates.values(), key=lambda c: (-c[0], c[1][0][0].index, c[1][0][1]))
    suggestions = []
    for score, groups in best:
        labels = list(dict.fromkeys(row.label for row, _, _ in groups))
        where = f"row {labels[0]}" if len(labels) == 1 else f"rows {', '.join(labels)}"
        reasons = [f"no {count} adjacent seats are free", f"{len(groups)} groups in {where}"]
        suggestions.append(_suggestion(groups, score, False, judge.fit(groups), reasons))
    return suggestions


def _fill(largest_first: Sequence[_Run], count: int, judge: _Judge) -> list[_Group]:
    """The fewest groups holding `count` seats: the largest runs whole, then the best window for the rest.

    The runs must hold at least `count` seats between them.
    """
    needed = _groups_needed([len(run) for run in largest_first], count)
    groups = [_whole(run) for run in largest_first[: needed - 1]]
    missing = count - sum(end - start for _, start, end in groups)
    windows = [
        (run, start)
        for run in largest_first[needed - 1 :]
        if len(run) >= missing
        for start in range(run.start, run.end - missing + 1)
    ]

    def rank(window: tuple[_Run, int]) -> tuple[bool, float]:
        run, start = window
        return run.strands_a_seat(start, start + missing), -judge.window(run.row, start, start + missing)

    run, start = min(windows, key=rank)
    groups.append((run.row, start, start + missing))
    return sorted(groups, key=lambda group: (group[0].index, group[1]))


def _groups_needed(lengths_largest_first: Sequence[int], count: int) -> int:
    """How many of the runs, largest first, it takes to hold `count` seats; they must hold that many."""
    total = 0
    for groups, length in enumerate(lengths_largest_first, start=1):
        total += length
        if total >= count:
            return groups
    raise ValueError(f"{total} seats cannot hold {count}")  # a caller's bug: suggest() checks there are enough


def _split_score(groups: Sequence[_Group], judge: _Judge) -> float:
    row_indexes = [row.index for row, _, _ in groups]
    rows_spanned = max(row_indexes) - min(row_indexes) + 1
    return 39 * (0.45 / (len(groups) - 1) + 0.25 / rows_spanned + 0.3 * judge.fit(groups).quality)


class _Judge:
    """How good a set of seats is to sit in, from the viewing point and the distance to `near`."""

    def __init__(self, layout: Layout, near: Sequence[Seat]):
        depth = len(layout.rows) - 1
        self._ideal_row = depth * _IDEAL_DEPTH
        self._row_slack = max(self._ideal_row, depth - self._ideal_row, 1.0)
        self._near: tuple[float, float] | None = None
        if near:
            offsets = [seat.position - _middle(layout.rows[seat.row_index]) for seat in near]
            self._near = (sum(seat.row_index for seat in near) / len(near), sum(offsets) / len(offsets))
        self._windows: dict[tuple[int, int, int], float] = {}

    def window(self, row: Row, start: int, end: int) -> float:
        """The quality of seats [start, end) of `row`, remembered: splits weigh the same windows many times."""
        key = (row.index, start, end)
        if key not in self._windows:
            self._windows[key] = self.fit([(row, start, end)]).quality
        return self._windows[key]

    def fit(self, groups: Sequence[_Group]) -> _Fit:
        seats = sum(end - start for _, start, end in groups)
        row_fit = centre_fit = depth = offset = 0.0
        for row, start, end in groups:
            weight = (end - start) / seats
            row_index = row.index
            block_offset = (start + end - 1) / 2 - _middle(row)
            row_fit += weight * (1 - abs(row_index - self._ideal_row) / self._row_slack)
            centre_fit += weight * (1 - abs(block_offset) / max(_middle(row), 1.0))
            depth += weight * row_index
            offset += weight * block_offset
        view = 0.6 * row_fit + 0.4 * centre_fit
        if self._near is None:
            return _Fit(view, row_fit, centre_fit, None)
        distance = abs(depth - self._near[0]) + abs(offset - self._near[1]) / 2
        near_fit = 1 / (1 + distance / 2)
        return _Fit(0.65 * near_fit + 0.35 * view, row_fit, centre_fit, near_fit)


def _suggestion(groups: Sequence[_Group], score: float, adjacent: bool, fit: _Fit, reasons: list[str]) -> Suggestion:
    seats = [seat for row, start, end in groups for seat in row.seats[start:end]]
    rows = {seat.row for seat in seats}
    categories = {seat.category for seat in seats}
    if fit.centre >= 0.75:
        reasons.append("centre of the row")
    if fit.row >= 0.75:
        reasons.append("about two thirds of the way back")
    if fit.near is not None and fit.near >= 0.5:
        reasons.append("near the seats you chose")
    return Suggestion(
        seat_ids=tuple(seat.id for seat in seats),
        score=round(min(max(score, 0.0), 100.0), 2),
        row=next(iter(rows)) if len(rows) == 1 else None,
        adjacent=adjacent,
        category=next(iter(categories)) if len(categories) == 1 else None,
        total_cents=sum(seat.price_cents for seat in seats),
        reasons=tuple(reasons),
    )


def _whole(run: _Run) -> _Group:
    return (run.row, run.start, run.end)


def _middle(row: Row) -> float:
    return (len(row.seats) - 1) / 2
