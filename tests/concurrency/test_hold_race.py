"""Many threads race for overlapping seats; afterwards the database shows no seat sold twice and no lie told."""

from __future__ import annotations

import random
import threading

import pytest

from chalicelib.domain.errors import SeatsUnavailable
from chalicelib.domain.identity import Principal
from tests.concurrency.invariants import check_seat_invariants

pytestmark = pytest.mark.slow

HOT_SEATS = [f"E{n}" for n in range(5, 15)] + [f"F{n}" for n in range(5, 15)]  # the 20 seats everyone wants


def test_racing_threads_never_share_a_seat_and_every_loser_learns_which_seats_it_lost(live_services, race_screening):
    booking = live_services.booking
    outcomes: dict[str, list] = {"won": [], "lost": [], "errors": []}
    lock = threading.Lock()
    start = threading.Barrier(16)

    def racer(n: int) -> None:
        user = Principal(f"racer-{n}")
        rng = random.Random(n)
        start.wait()
        for _ in range(6):
            first = rng.randrange(len(HOT_SEATS) - 3)
            wanted = HOT_SEATS[first : first + rng.randint(1, 3)]
            try:
                hold = booking.hold_seats(user, race_screening, wanted)
                with lock:
                    outcomes["won"].append((hold.id, hold.seat_ids))
            except SeatsUnavailable as lost:
                with lock:
                    outcomes["lost"].append((tuple(wanted), lost.seat_ids))
            except Exception as exc:  # anything else would have been a 5xx
                with lock:
                    outcomes["errors"].append(repr(exc))

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes["errors"] == []
    assert outcomes["won"] and outcomes["lost"], "the race must have winners and losers to prove anything"
    for wanted, lost_seats in outcomes["lost"]:
        assert lost_seats and set(lost_seats) <= set(wanted)
    assert check_seat_invariants(race_screening, dict(outcomes["won"])) == []
