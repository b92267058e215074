"""Benchmark: seat holds over HTTP against the local cloud, next to the raw conditional-write rate of its storage.

    .venv/bin/python -m scripts.bench_reservations [--clients 50] [--seconds 15] [--screenings 20]

Starts the local cloud on free ports (scripts/localcloud/harness.py: the tree `make run` starts), seeds
a realistic dataset through scripts/seed.py (20 screenings of 300 seats by default), then, in the same run:
1. raw: `--clients` threads doing conditional UpdateItem straight into the same moto server, then
   rawtx: the same threads writing what a hold writes (2-3 conditional seat updates, a put, a holder
   update) as one TransactWriteItems, still straight into the storage;
2. api: `--clients` clients (threads in 2 processes) holding blocks of 1-4 seats of ONE screening over
   HTTP, a new user for every attempt (a crowd), with holds of the default ``HOLD_SECONDS`` (600), or of
   `--hold-seconds 5` so that abandoned holds lapse and their seats are taken again (the expired-hold path), with
   the automatic waiting line out of reach (`harness.DIRECT_PATH`): it measures the direct hold path.
   Prints holds/s, p50/p95/p99 and the conflict rate, the ratios api/raw and api/rawtx, and checks afterwards from
   the database that no seat is held twice.
Pass `--api-url` and `--aws-endpoint` to measure a local cloud that is already running instead.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import requests
from botocore.config import Config

from scripts import demo_data
from scripts.loadtest.stats import percentile
from scripts.localcloud.harness import DIRECT_PATH, access_tokens, attached, local_cloud, token

ROOT = Path(__file__).resolve().parent.parent
ROWS = demo_data.HALL_ROWS  # 15 rows x 20 seats = 300


# --- measuring ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    by_status: dict = field(default_factory=dict)  # status -> latencies

    def add(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.statuses.update(other.statuses)
        for status, latencies in other.by_status.items():
            self.by_status.setdefault(status, []).extend(latencies)


def run_threads(clients: int, seconds: float, operation: Callable[[random.Random, int], str]) -> tuple[Tally, float]:
    """`clients` threads calling `operation(rng, n)` until `seconds` pass; it returns the outcome's name."""
    tally, lock, stop = Tally(), threading.Lock(), time.monotonic() + seconds

    def worker(n: int) -> None:
        rng, local = random.Random(n), Tally()
        while time.monotonic() < stop:
            started = time.perf_counter()
            local.statuses[operation(rng, n)] += 1
            local.latencies.append(time.perf_counter() - started)
        with lock:
            tally.add(local)

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - began


def storage_client(aws: str, clients: int):
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=clients)
    return boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1", config=config)


def seat_update(table: str, screening_id: str, seat: str) -> dict:
    """A conditional write of one seat, of the same shape as a hold's."""
    return {
        "TableName": table,
        "Key": {"screening_id": {"S": screening_id}, "seat_id": {"S": seat}},
        "UpdateExpression": "SET version = version + :one",
        "ConditionExpression": "#s <> :sold",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":sold": {"S": "sold"}},
    }


SEAT_IDS = [f"{row}{n}" for row in ROWS for n in range(1, 21)]


def raw_writes(aws: str, screening_id: str, clients: int, seconds: float) -> tuple[Tally, float]:
    """Conditional UpdateItem on the seats of one screening, straight into the storage the API uses."""
    from chalicelib.settings import get_settings

    table, client = get_settings().table_prefix + "seats", storage_client(aws, clients)

    def write(rng: random.Random, _n: int) -> str:
        try:
            client.update_item(**seat_update(table, screening_id, rng.choice(SEAT_IDS)))
            return "ok"
        except client.exceptions.ConditionalCheckFailedException:
            return "condition_failed"

    return run_threads(clients, seconds, write)


def raw_transactions(aws: str, screening_id: str, clients: int, seconds: float) -> tuple[Tally, float]:
    """What one hold writes, straight into the storage: 2-3 conditional seat updates, a put, a holder update."""
    from chalicelib.settings import get_settings

    prefix, client = get_settings().table_prefix, storage_client(aws, clients)

    def transaction(rng: random.Random, n: int) -> str:
        first = rng.randrange(len(SEAT_IDS) - 3)
        hold_id = f"raw-{n}-{rng.getrandbits(48):x}"
        seats = SEAT_IDS[first : first + rng.randint(2, 3)]
        items = [{"Update": seat_update(f"{prefix}seats", screening_id, seat)} for seat in seats]
        items.append({"Put": {"TableName": f"{prefix}reservations", "Item": {"id": {"S": hold_id}},
                              "ConditionExpression": "attribute_not_exists(id)"}})  # fmt: skip
        items.append({"Update": {
            "TableName": f"{prefix}holders",
            "Key": {"user_id": {"S": f"raw-{n}"}, "screening_id": {"S": screening_id}},
            "UpdateExpression": "SET hold_id = :h",
            "ExpressionAttributeValues": {":h": {"S": hold_id}},
        }})  # fmt: skip
        try:
            client.transact_write_items(TransactItems=items)
            return "ok"
        except client.exceptions.TransactionCanceledException:
            return "cancelled"

    return run_threads(clients, seconds, transaction)


def _hold_clients(args: tuple) -> Tally:
    """One process of API clients (threads); each keeps one hold and replaces it again and again."""
    api, screening_id, clients, seconds, start_at, process = args
    tally, lock = Tally(), threading.Lock()
    tokens = access_tokens()
    while time.time() < start_at:
        time.sleep(0.01)
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        rng, local, session = random.Random(f"{process}-{n}"), Tally(), requests.Session()
        attempt = 0
        while time.monotonic() < stop:
            attempt += 1  # a new person for every attempt
            person = token(f"bench-{process}-{n}-{attempt}", tokens=tokens)
            headers = {"Authorization": f"Bearer {person}"}
            row, first, size = rng.choice(ROWS[4:11]), rng.randint(1, 17), rng.randint(1, 4)
            seats = [f"{row}{n}" for n in range(first, first + size)]
            started = time.perf_counter()
            response = session.post(
                f"{api}/api/seat-reservations",
                headers=headers,
                timeout=30,
                json={"screening_id": screening_id, "seat_ids": seats},
            )
            local.latencies.append(time.perf_counter() - started)
            local.statuses[response.status_code] += 1
            local.by_status.setdefault(response.status_code, []).append(local.latencies[-1])
        with lock:
            tally.add(local)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def api_holds(api: str, screening_id: str, clients: int, seconds: float, processes: int = 2) -> tuple[Tally, float]:
    start_at = time.time() + 3  # every process has started and imported by then
    shares = [clients // processes + (1 if p < clients % processes else 0) for p in range(processes)]
    jobs = [(api, screening_id, shares[p], seconds, start_at, p) for p in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_hold_clients, jobs)
    tally = Tally()
    for result in results:
        tally.add(result)
    return tally, seconds


def held_twice(screening_id: str) -> list[str]:
    from tests.concurrency.invariants import check_seat_invariants

    return check_seat_invariants(screening_id, {})


def report(name: str, tally: Tally, elapsed: float, ok: set) -> float:
    done = sum(tally.statuses.values())
    rate = done / elapsed
    lat = [x * 1000 for x in tally.latencies]
    print(
        f"{name:5} {done:6} requests in {elapsed:5.1f} s = {rate:7.1f}/s   "
        f"p50 {percentile(lat, 50):6.1f} ms  p95 {percentile(lat, 95):6.1f} ms  p99 {percentile(lat, 99):6.1f} ms  "
        f"outcomes {dict(tally.statuses)}"
    )
    for status, latencies in sorted(tally.by_status.items()):
        ms = [x * 1000 for x in latencies]
        print(
            f"      {status}: {len(ms) / elapsed:6.1f}/s  p50 {percentile(ms, 50):6.1f} ms  "
            f"p95 {percentile(ms, 95):6.1f} ms  p99 {percentile(ms, 99):6.1f} ms"
        )
    unexpected = {k: v for k, v in tally.statuses.items() if k not in ok}
    if unexpected:
        print(f"      UNEXPECTED outcomes: {unexpected}")
    return rate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--screenings", type=int, default=20)
    parser.add_argument("--hold-seconds", type=int, help="HOLD_SECONDS of the cloud started (default: the app's)")
    parser.add_argument("--api-url")
    parser.add_argument("--aws-endpoint")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    env = DIRECT_PATH | ({"HOLD_SECONDS": str(args.hold_seconds)} if args.hold_seconds else {})
    started = local_cloud(env=env) if not args.api_url else None
    with started or attached(args.api_url, args.aws_endpoint) as cloud:
        api, aws = cloud.api_url, cloud.aws_endpoint
        began = time.monotonic()
        screenings = cloud.seed(demo_data.halls(args.screenings)).screening_ids
        print(
            f"seeded {len(screenings)} screenings x 300 seats in {time.monotonic() - began:.1f} s; "
            f"{args.clients} clients, {args.seconds:.0f} s per phase"
        )
        raw, raw_elapsed = raw_writes(aws, screenings[-1], args.clients, args.seconds)
        raw_rate = report("raw", raw, raw_elapsed, {"ok", "condition_failed"})
        raw_tx, raw_tx_elapsed = raw_transactions(aws, screenings[-2], args.clients, args.seconds)
        raw_tx_rate = report("rawtx", raw_tx, raw_tx_elapsed, {"ok", "cancelled"})
        holds, holds_elapsed = api_holds(api, screenings[0], args.clients, args.seconds)
        api_rate = report("api", holds, holds_elapsed, {201, 409})
        conflicts = holds.statuses[409] / max(1, sum(holds.statuses.values()))
        print(
            f"conflict rate {conflicts:.1%}; api/raw = {api_rate / raw_rate:.2f} (goal >= 0.50); "
            f"api/rawtx = {api_rate / raw_tx_rate:.2f}; "
            f"hold p99 {percentile([x * 1000 for x in holds.latencies], 99):.0f} ms (goal < 100 ms)"
        )
        problems = held_twice(screenings[0])
        print(
            "invariants after the run:",
            "OK (no seat held twice, every live hold owns its seats)" if not problems else problems[:10],
        )


if __name__ == "__main__":
    main()
