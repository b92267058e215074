"""What `scripts.seed` creates: the local cloud's demo data, and the 300-seat halls of the races and benchmarks.

`DEMO`: two theaters, six movies, screenings over the next days, one admin. The Grand Hall has 296
seats in 15 rows (A, nearest the screen, to O) split by a centre aisle; the accessible seats are at
both ends of row A, the VIP seats in the centre of rows K to N; prices by category. Studio 2 is a
small room of 80 seats.

`halls(n)`: n theaters of 300 seats (rows A to O of 20, VIP rows K and L), one movie, one screening in
each at the same hour three days on, so that none overlap. Pure data: `scripts.seed` sends it through the API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

Plan = list[tuple[str, str, datetime]]  # (theater name, movie title, start)


@dataclass(frozen=True)
class Dataset:
    theaters: Mapping[str, dict[str, Any]]  # name -> layout
    movies: Sequence[dict[str, Any]]  # POST /api/movies bodies
    plan: Callable[[datetime], Plan]  # the screenings, given the moment of seeding


ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "popcorn-and-seats-42"  # a local demo credential, printed by `make run`
ADMIN_NAME = "Cinema Admin"

PRICES = {"standard": 1200, "vip": 1800, "accessible": 1000}
SCREENING_DAYS = 3
EARLIEST_START = timedelta(minutes=30)  # screenings closer than this to now are not created


def _row(label: str, seats: int, vip: range = range(0), accessible: tuple[int, ...] = ()) -> dict[str, Any]:
    def category(number: int) -> str:
        if number in accessible:
            return "accessible"
        return "vip" if number in vip else "standard"

    return {
        "label": label,
        "seats": [{"number": n, "category": category(n)} for n in range(1, seats + 1)],
        "aisles_after": [seats // 2],
    }


def grand_hall_layout() -> dict[str, Any]:
    rows = [_row("A", 18, accessible=(1, 2, 17, 18)), _row("B", 18)]
    for label in "CDEFGHIJKLMNO":
        rows.append(_row(label, 20, vip=range(6, 16) if label in "KLMN" else range(0)))
    return {"rows": rows, "prices": dict(PRICES)}


def studio_layout() -> dict[str, Any]:
    rows = [_row("A", 10, accessible=(1, 10))] + [_row(label, 10) for label in "BCDEFGH"]
    return {"rows": rows, "prices": {"standard": 1100, "accessible": 900}}


THEATERS = {
    "Grand Hall": grand_hall_layout(),
    "Studio 2": studio_layout(),
}

MOVIES = [
    {"title": "Arrival", "description": "A linguist is recruited to talk with visitors from space.",
     "genres": ["Sci-Fi", "Drama"], "duration_minutes": 116, "rating": "PG-13", "release_date": "2016-11-11"},
    {"title": "Inception", "description": "A thief who steals secrets through dreams is asked to plant one.",
     "genres": ["Sci-Fi", "Action"], "duration_minutes": 148, "rating": "PG-13", "release_date": "2010-07-16"},
    {"title": "Spirited Away", "description": "A girl wanders into a world of spirits and must find her way home.",
     "genres": ["Animation", "Fantasy"], "duration_minutes": 125, "rating": "PG", "release_date": "2001-07-20"},
    {"title": "The Grand Budapest Hotel", "description": "A concierge and his lobby boy chase a stolen painting.",
     "genres": ["Comedy"], "duration_minutes": 99, "rating": "R", "release_date": "2014-03-28"},
    {"title": "Mad Max: Fury Road", "description": "A desert chase across a wasteland, in one long breath.",
     "genres": ["Action"], "duration_minutes": 120, "rating": "R", "release_date": "2015-05-15"},
    {"title": "Paddington 2", "description": "A bear in a duffle coat is framed for a theft and keeps his manners.",
     "genres": ["Family", "Comedy"], "duration_minutes": 103, "rating": "PG", "release_date": "2017-11-10"},
]  # fmt: skip

# Start times (UTC) of each theater's day; 3 h 15 min apart, longer than any movie plus cleaning.
SLOTS = {
    "Grand Hall": (time(13, 0), time(16, 15), time(19, 30)),
    "Studio 2": (time(14, 0), time(17, 15), time(20, 30)),
}


def screening_plan(now: datetime) -> Plan:
    """(theater name, movie title, start) for today and the next days, skipping starts too close to now."""
    plan = []
    today: date = now.astimezone(UTC).date()
    titles = [movie["title"] for movie in MOVIES]
    for day in range(SCREENING_DAYS):
        for theater_no, (theater, slots) in enumerate(SLOTS.items()):
            for slot_no, slot in enumerate(slots):
                starts_at = datetime.combine(today + timedelta(days=day), slot, UTC)
                if starts_at - now < EARLIEST_START:
                    continue
                title = titles[(day + 3 * theater_no + slot_no) % len(titles)]
                plan.append((theater, title, starts_at))
    return plan


DEMO = Dataset(THEATERS, MOVIES, screening_plan)

HALL_ROWS = "ABCDEFGHIJKLMNO"  # 15 rows x 20 seats = 300
HALL_MOVIE = {"title": "The Bench", "description": "", "genres": ["Drama"], "duration_minutes": 100,
              "rating": "PG", "release_date": "2026-01-01"}  # fmt: skip


def hall_layout() -> dict[str, Any]:
    """300 seats: rows A to O of 20 with an aisle after seat 10; rows K and L are VIP."""
    return {
        "rows": [
            {
                "label": label,
                "seats": [{"number": n, "category": "vip" if label in "KL" else "standard"} for n in range(1, 21)],
                "aisles_after": [10],
            }
            for label in HALL_ROWS
        ],
        "prices": {"standard": 1200, "vip": 1800},
    }


def halls(count: int) -> Dataset:
    """`count` screenings of 300 seats, each in a theater of its own ("Hall 0"...), at the same hour three days on."""
    names = [f"Hall {n}" for n in range(count)]

    def plan(now: datetime) -> Plan:
        starts_at = (now.astimezone(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        return [(name, HALL_MOVIE["title"], starts_at) for name in names]

    return Dataset({name: hall_layout() for name in names}, [HALL_MOVIE], plan)
