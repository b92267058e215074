"""What rendering an answer through its response model costs, on the largest answers the API gives.

For each answer: the time to build the model from domain objects and render it as the handler does
(`ResponseModel.wire` + ``json.dumps``), against a baseline measured in the same run: ``json.dumps`` of the
same answer already as plain data (what any renderer pays at least). CPU time of this process, best of
several rounds, so other work on the machine inflates the figures less.

    .venv/bin/python -m scripts.bench_answers [--rounds 7]
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from chalicelib.api.catalog_answers import MoviePage, Theater
from chalicelib.api.reservations import SeatMap
from chalicelib.api.responses import ResponseModel
from chalicelib.domain import catalog
from chalicelib.domain.layout import MAX_SEATS_PER_ROW, MAX_SEATS_TOTAL, parse_layout
from chalicelib.domain.reservations import SeatState
from chalicelib.services import booking

ROWS = MAX_SEATS_TOTAL // MAX_SEATS_PER_ROW


def largest_seat_map() -> booking.SeatMap:
    views = tuple(
        booking.SeatView(
            SeatState(f"{chr(65 + r)}{n}", chr(65 + r), n, r, n - 1, "standard", 1200, "available"),
            "held" if n % 7 == 0 else "available",
        )
        for r in range(ROWS)
        for n in range(1, MAX_SEATS_PER_ROW + 1)
    )
    return booking.SeatMap("scr_bench", views)


def largest_theater() -> catalog.Theater:
    rows = [
        {"label": chr(65 + r), "seats": [{"number": n} for n in range(1, MAX_SEATS_PER_ROW + 1)], "aisles_after": [10]}
        for r in range(ROWS)
    ]
    return catalog.Theater("thr_bench", "Hall", parse_layout({"rows": rows, "prices": {"standard": 1200}}))


def full_movie_page() -> catalog.Page[catalog.Movie]:
    details = catalog.MovieDetails(
        "Arrival", "Linguist meets heptapods. " * 20, ("Sci-Fi", "Drama"), 116, "PG-13", date(2016, 11, 11)
    )
    return catalog.Page([details.with_id(f"mov_{i:04d}") for i in range(100)], next_cursor="c" * 40)


def best_ms(work: Callable[[], object], rounds: int, calls: int) -> float:
    work()
    times = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            work()
        times.append((time.process_time() - start) / calls * 1000)
    return min(times)


def render(build: Callable[[], ResponseModel]) -> str:
    return json.dumps(build().wire())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    seat_map, theater, movies = largest_seat_map(), largest_theater(), full_movie_page()
    cases: list[tuple[str, Callable[[], ResponseModel], int]] = [
        (f"seat map, {MAX_SEATS_TOTAL} seats", lambda: SeatMap.of(seat_map), 10),
        (f"theater with its layout, {MAX_SEATS_TOTAL} seats", lambda: Theater.of(theater), 10),
        ("movie page, 100 movies", lambda: MoviePage.of(movies), 50),
    ]
    print(f"{'answer':<40} {'plain json.dumps':>17} {'model build+render':>19} {'ratio':>6}")
    for name, build, calls in cases:
        plain = build().wire()
        baseline = best_ms(functools.partial(json.dumps, plain), args.rounds, calls)
        rendered = best_ms(functools.partial(render, build), args.rounds, calls)
        print(f"{name:<40} {baseline:>14.2f} ms {rendered:>16.2f} ms {rendered / baseline:>5.1f}x")
    print(f"(CPU ms per answer, best of {args.rounds} rounds; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
