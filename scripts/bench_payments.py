"""Benchmark: payments over HTTP on the local cloud, next to holds measured by the same clients in the same run.

    .venv/bin/python -m scripts.bench_payments [--clients 20] [--screenings 3]

Starts the local cloud on free ports (scripts/localcloud/harness.py), seeds `--screenings` screenings of 300
seats, then `--clients` concurrent payers (threads), each a person of its own, repeat: hold 2 seats of its own
(`POST /api/seat-reservations`), then pay for them with `tok_visa` and a new Idempotency-Key (`POST
/api/payments`), until the seats run out. Prints payments/s and p50/p99 of the payments, the same for the holds
(the baseline: the cheapest write of the same journey, by the same clients, in the same run) and their ratio,
then checks from the tables and the provider's ledger that nothing was sold or charged twice.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from scripts import demo_data
from scripts.bench_reservations import Tally, percentile
from scripts.localcloud.harness import local_cloud

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    (f"{row}{n}", f"{row}{n + 1}") for row in demo_data.HALL_ROWS for n in range(1, 20, 2)
]  # 150 pairs of side-by-side seats per 300-seat hall


def journeys(api: str, tokens: list[str], work: list[tuple[str, tuple[str, str]]]) -> tuple[Tally, Tally, float]:
    holds, payments, lock = Tally(), Tally(), threading.Lock()
    queue = iter(work)
    start = threading.Barrier(len(tokens))

    def payer(token: str) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        mine_holds, mine_payments = Tally(), Tally()
        start.wait()
        while True:
            with lock:
                job = next(queue, None)
            if job is None:
                break
            screening_id, seats = job
            began = time.perf_counter()
            held = session.post(
                f"{api}/api/seat-reservations", json={"screening_id": screening_id, "seat_ids": list(seats)}, timeout=60
            )
            mine_holds.latencies.append(time.perf_counter() - began)
            mine_holds.statuses[held.status_code] += 1
            if held.status_code != 201:
                continue
            body = {"reservation_id": held.json()["id"], "payment_method": {"type": "card", "token": "tok_visa"}}
            began = time.perf_counter()
            paid = session.post(
                f"{api}/api/payments", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=60
            )
            mine_payments.latencies.append(time.perf_counter() - began)
            mine_payments.statuses[paid.status_code] += 1
        with lock:
            holds.add(mine_holds)
            payments.add(mine_payments)

    began = time.monotonic()
    threads = [threading.Thread(target=payer, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return holds, payments, time.monotonic() - began


def line(name: str, tally: Tally, elapsed: float) -> float:
    done = sum(tally.statuses.values())
    ms = [x * 1000 for x in tally.latencies]
    rate = done / elapsed
    print(
        f"{name:9} {done:5} in {elapsed:5.1f} s = {rate:6.1f}/s   p50 {percentile(ms, 50):6.1f} ms   "
        f"p99 {percentile(ms, 99):7.1f} ms   outcomes {dict(tally.statuses)}"
    )
    return rate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--screenings", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    with local_cloud() as cloud:
        began = time.monotonic()
        screenings = cloud.seed(demo_data.halls(args.screenings)).screening_ids
        print(f"seeded {len(screenings)} screenings x 300 seats in {time.monotonic() - began:.1f} s")
        tokens = [cloud.token(f"payer-{n}") for n in range(args.clients)]
        work = [(screening, pair) for pair, screening in itertools.product(PAIRS, screenings)]
        print(f"{args.clients} concurrent payers, {len(work)} journeys (hold 2 seats, pay with tok_visa)")
        holds, payments, elapsed = journeys(cloud.api_url, tokens, work)
        line("holds", holds, elapsed)
        line("payments", payments, elapsed)
        p50 = {name: percentile(t.latencies, 50) for name, t in (("holds", holds), ("payments", payments))}
        print(
            f"payment p50 / hold p50 = {p50['payments'] / p50['holds']:.2f} "
            "(the rates are equal by construction: one hold and one payment per journey)"
        )

        cloud.services()  # points the models at this cloud's storage
        from tests.concurrency.payment_invariants import check_payment_invariants

        problems = [problem for screening in screenings for problem in check_payment_invariants(screening)]
        print(
            "invariants after the run:",
            "OK (no seat sold twice, every paid order has exactly its tickets, ledger = succeeded payments)"
            if not problems
            else problems[:10],
        )
        unexpected = Counter({k: v for k, v in payments.statuses.items() if k != 201})
        if unexpected or problems:
            raise SystemExit(f"unexpected: {dict(unexpected)} {problems[:3]}")


if __name__ == "__main__":
    main()
