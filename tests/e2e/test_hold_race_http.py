"""Many processes race over real HTTP for overlapping seats of one screening in the local cloud (the harness's).

Afterwards the database must show no seat held by two live reservations and every acknowledged hold
owning its seats; every loser must have been told which of its seats were taken; nothing may be a 5xx.
"""

from __future__ import annotations

import multiprocessing
import random
import time

import pytest
import requests

from scripts import demo_data
from scripts.localcloud.harness import local_cloud
from tests.concurrency.invariants import check_seat_invariants

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HOT = [f"{row}{n}" for row in "GH" for n in range(6, 14)]  # 16 seats everyone wants


def racer(args: tuple) -> list[tuple]:
    api, screening_id, process, tokens, start_at = args
    outcomes: list[tuple] = []
    rng = random.Random(process)
    session = requests.Session()
    while time.time() < start_at:
        time.sleep(0.01)
    for person in tokens:
        first = rng.randrange(len(HOT) - 3)
        wanted = HOT[first : first + rng.randint(1, 3)]
        response = session.post(
            f"{api}/api/seat-reservations",
            headers={"Authorization": f"Bearer {person}"},
            json={"screening_id": screening_id, "seat_ids": wanted},
            timeout=60,
        )
        body = response.json()
        outcomes.append((response.status_code, tuple(wanted), body))
    return outcomes


def test_processes_racing_over_http_never_share_a_seat():
    with local_cloud(env={"HOLD_SECONDS": "600"}, dataset=demo_data.halls(1)) as cloud:
        [screening] = cloud.seeded.screening_ids
        people = [[cloud.token(f"racer-{p}-{n}") for n in range(12)] for p in range(4)]
        start_at = time.time() + 4
        jobs = [(cloud.api_url, screening, p, people[p], start_at) for p in range(4)]
        with multiprocessing.get_context("spawn").Pool(4) as pool:
            results = [outcome for chunk in pool.map(racer, jobs) for outcome in chunk]

        statuses = [status for status, _, _ in results]
        assert set(statuses) <= {201, 409}, f"unexpected statuses: {set(statuses)}"
        assert statuses.count(201) and statuses.count(409), "a race needs winners and losers"
        winners = {}
        for status, wanted, body in results:
            if status == 201:
                assert tuple(body["seat_ids"]) == wanted
                winners[body["id"]] = wanted
            else:
                lost = body["error"]["details"]["unavailable_seat_ids"]
                assert body["error"]["code"] == "seats_unavailable" and lost and set(lost) <= set(wanted)
        assert check_seat_invariants(screening, winners) == []
        taken = [seat for seats in winners.values() for seat in seats]
        assert len(taken) == len(set(taken)), "two acknowledged holds share a seat"
