"""Benchmark: the original system's contention scenario against one local cloud at the default settings.

    .venv/bin/python -m scripts.bench_contention [--workers 25] [--seconds 20] [--runs 3] [--preload 10000]
                                                 [--crowd 200] [--storm 200]

N workers, each a user of its own, ask for 1-2 random seats of a pool of 100 (rows A-E of one
300-seat screening); a worker that wins holds for 0-500 ms, then releases with
``DELETE /api/seat-reservations/user/{userId}/screening/{screeningId}``; a worker that loses asks
again at once. Every phase runs on ONE local cloud (`scripts/localcloud/harness.py`), started at the
default ``HOLD_SECONDS`` (600: every hold leaves a delayed expiry message behind it), with the automatic
waiting line out of reach (``DIRECT_PATH``), since this measures the direct hold path:

1. ``--runs`` runs of ``--workers`` back to back (does the cloud slow down as holds pile up?);
2. ``--preload`` holds made beforehand straight into storage (seat, reservation and holder items and
   their expiry messages, as a hold writes them, in batches), then one more run of ``--workers``;
3. one run of ``--crowd`` workers;
4. a storm: ``--storm`` users asking for the same 2 seats of a fresh screening at the same moment.

Each run prints requests/s (holds and releases), hold p50/p99, its outcomes, and the CPU time each
local-cloud process spent per API request (read from /proc before and after: moto, the REST front
with its workers, the event pump), with the load average beside it: the machine may be shared, CPU
per request is the less load-sensitive figure. Afterwards it checks from the database that no seat
is held twice. Pass ``--api-url``/``--aws-endpoint`` to measure a cloud started elsewhere (no CPU figures).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests

from chalicelib.domain.reservations import Reservation
from scripts import demo_data
from scripts.loadtest import cpu
from scripts.loadtest.stats import percentile
from scripts.localcloud.harness import DIRECT_PATH, LocalCloud, access_tokens, attached, local_cloud, token

POOL = [f"{row}{n}" for row in "ABCDE" for n in range(1, 21)]  # 100 seats of a 300-seat hall
HOLD_FOR_SECONDS = (0.0, 0.5)
CLIENT_PROCESSES = 2
ROLES = {"moto_server": "moto", "rest": "rest", "events": "events"}  # scripts.loadtest.cpu's role -> the name printed
PRELOAD_SCREENINGS_SEATS = 300  # one screening of demo_data.halls per 300 preloaded holds of one seat


# --- measuring ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    holds: list[float] = field(default_factory=list)  # seconds per hold request
    releases: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)  # "hold 201", "release 200", ...

    def count(self, what: str, status: int) -> None:
        key = f"{what} {status}"
        self.outcomes[key] = self.outcomes.get(key, 0) + 1

    def add(self, other: Tally) -> None:
        self.holds += other.holds
        self.releases += other.releases
        for key, n in other.outcomes.items():
            self.outcomes[key] = self.outcomes.get(key, 0) + n

    @property
    def requests(self) -> int:
        return len(self.holds) + len(self.releases)


class CloudProcesses:
    """CPU seconds of the local cloud's processes by role (`scripts.loadtest.cpu` reads them from /proc)."""

    def __init__(self, supervisor_pid: int | None):
        self.supervisor_pid = supervisor_pid

    def cpu(self) -> dict[str, float]:
        if not self.supervisor_pid:
            return {}  # a cloud started elsewhere: no CPU figures
        seconds = cpu.cpu_seconds(self.supervisor_pid)
        return {name: seconds[role] for role, name in ROLES.items() if role in seconds}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@dataclass
class Run:
    name: str
    tally: Tally
    seconds: float
    cpu: dict[str, float]  # role -> CPU seconds spent during the run
    load: str

    @property
    def rate(self) -> float:
        return self.tally.requests / self.seconds

    def cpu_ms_per_request(self, role: str) -> float:
        return 1000 * self.cpu.get(role, float("nan")) / max(1, self.tally.requests)

    def line(self) -> str:
        holds = [x * 1000 for x in self.tally.holds]
        cpu = "  ".join(f"{role} {self.cpu_ms_per_request(role):5.1f}" for role in ROLES.values() if role in self.cpu)
        return (
            f"{self.name:28} {self.rate:6.1f} requests/s   hold p50 {percentile(holds, 50):6.1f} ms  "
            f"p99 {percentile(holds, 99):7.1f} ms   CPU ms/request: {cpu or 'n/a'}   load {self.load}\n"
            f"{'':28} {self.tally.requests} requests in {self.seconds:.1f} s; "
            f"outcomes {dict(sorted(self.tally.outcomes.items()))}"
        )


# --- the scenario -------------------------------------------------------------------------------------


def _contend(args: tuple) -> Tally:
    """One process of workers (threads): hold 1-2 pool seats, keep a win 0-500 ms, release, again."""
    api, screening_id, workers, seconds, start_at, process = args
    tokens, tally, lock = access_tokens(), Tally(), threading.Lock()

    def worker(n: int) -> None:
        rng, local, session = random.Random(f"{process}-{n}"), Tally(), requests.Session()

        def new_user() -> tuple[dict[str, str], str]:
            """A released hold cools its user down (HOLD_COOLDOWN_SECONDS): the worker goes on as someone else."""
            user_id = f"contender-{process}-{n}-{random.getrandbits(48):x}"
            release = f"{api}/api/seat-reservations/user/{user_id}/screening/{screening_id}"
            return {"Authorization": f"Bearer {token(user_id, tokens=tokens)}"}, release

        headers, release = new_user()
        while time.time() < start_at:
            time.sleep(0.005)
        stop = start_at + seconds
        while time.time() < stop:
            seats = rng.sample(POOL, rng.randint(1, 2))
            began = time.perf_counter()
            held = session.post(
                f"{api}/api/seat-reservations", headers=headers, timeout=60,
                json={"screening_id": screening_id, "seat_ids": seats},
            )  # fmt: skip
            if time.time() >= stop:
                break
            local.holds.append(time.perf_counter() - began)
            local.count("hold", held.status_code)
            if held.status_code != 201:
                continue  # lost: ask again at once
            time.sleep(rng.uniform(*HOLD_FOR_SECONDS))
            began = time.perf_counter()
            released = session.delete(release, headers=headers, timeout=60)
            if time.time() >= stop:
                break
            local.releases.append(time.perf_counter() - began)
            local.count("release", released.status_code)
            headers, release = new_user()
        session.delete(release, headers=headers, timeout=60)  # leave the pool free for the next run (not counted)
        with lock:
            tally.add(local)

    all_at_once(worker, workers)
    return tally


def _storm(args: tuple) -> Tally:
    """One process of a storm: each thread a user asking for the same seats at `start_at`."""
    api, screening_id, users, seats, start_at, process = args
    tokens, tally, lock = access_tokens(), Tally(), threading.Lock()

    def user(n: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {token(f'storm-{process}-{n}', tokens=tokens)}"}
        session.get(f"{api}/seat-reservation-demo.html", timeout=60)  # connected beforehand, as open pages are
        while time.time() < start_at:
            time.sleep(0.001)
        response = session.post(
            f"{api}/api/seat-reservations", headers=headers, timeout=60,
            json={"screening_id": screening_id, "seat_ids": seats},
        )  # fmt: skip
        with lock:
            tally.holds.append(time.time() - start_at)  # from the common start to this answer
            tally.count("hold", response.status_code)

    all_at_once(user, users)
    return tally


def all_at_once(target: Callable[[int], None], count: int) -> None:
    """`target(0)` ... `target(count - 1)`, each in a thread of its own; returns when all have."""
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def in_processes(job: Callable[[tuple], Tally], total: int, make_args: Callable[[int, int], tuple]) -> list[Tally]:
    shares = [total // CLIENT_PROCESSES + (1 if p < total % CLIENT_PROCESSES else 0) for p in range(CLIENT_PROCESSES)]
    with multiprocessing.get_context("spawn").Pool(CLIENT_PROCESSES) as pool:
        return pool.map(job, [make_args(share, p) for p, share in enumerate(shares)])


def measured(name: str, processes: CloudProcesses, seconds: float, job: Callable[[float], list[Tally]]) -> Run:
    """Run `job(start_at)` (client processes start then); CPU is read at the start and at the end of the window."""
    start_at = time.time() + 4  # every client process has started, imported and minted its tokens by then
    result: dict[str, list[Tally]] = {}
    runner = threading.Thread(target=lambda: result.setdefault("tallies", job(start_at)))
    runner.start()
    time.sleep(max(0.0, start_at - time.time()))
    before = processes.cpu()
    if seconds:
        time.sleep(seconds)
    runner.join()
    after = processes.cpu()
    elapsed = seconds or (time.time() - start_at)
    tally = Tally()
    for part in result["tallies"]:
        tally.add(part)
    return Run(name, tally, elapsed, {role: after[role] - before[role] for role in after}, load_average())


def contention(api: str, screening_id: str, workers: int, seconds: float, processes: CloudProcesses, name: str) -> Run:
    def job(start_at: float) -> list[Tally]:
        return in_processes(_contend, workers, lambda share, p: (api, screening_id, share, seconds, start_at, p))

    return measured(name, processes, seconds, job)


def storm(api: str, screening_id: str, users: int, processes: CloudProcesses) -> Run:
    seats = ["H10", "H11"]

    def job(start_at: float) -> list[Tally]:
        return in_processes(_storm, users, lambda share, p: (api, screening_id, share, seats, start_at, p))

    return measured(f"storm: {users} users, 2 seats", processes, 0, job)


# --- holds made beforehand ----------------------------------------------------------------------------


def preload_holds(cloud: LocalCloud, screening_ids: Sequence[str], count: int) -> float:
    """`count` one-seat holds written as a hold writes them (seat, reservation, holder, expiry message), in batches."""
    from chalicelib.adapters.queues import HOLD_EXPIRY

    began = time.monotonic()
    services = cloud.services()
    settings, sqs = services.settings, services.sqs
    expiry_queue = sqs.get_queue_url(QueueName=HOLD_EXPIRY.name(settings.queue_prefix))["QueueUrl"]
    now = datetime.now(UTC)
    seats = [f"{row}{n}" for row in demo_data.HALL_ROWS for n in range(1, 21)]

    def hold(n: int) -> Reservation:
        seat = seats[n % len(seats)]
        return Reservation(
            id=f"rsv_preload{n:06d}",
            screening_id=screening_ids[n // len(seats)],
            user_id=f"preloaded-{n}",
            seat_ids=(seat,),
            prices={seat: 1200},
            currency="USD",
            status="active",
            created_at=now,
            expires_at=now + timedelta(seconds=settings.hold_seconds),
            started_at=now,
        )

    def write(chunk: Sequence[Reservation]) -> None:
        _write_items(chunk)
        for start in range(0, len(chunk), 10):  # SendMessageBatch takes 10
            entries = [
                {"Id": str(i), "DelaySeconds": min(900, settings.hold_seconds + 1), "MessageBody": _expiry_body(each)}
                for i, each in enumerate(chunk[start : start + 10])
            ]
            sqs.send_message_batch(QueueUrl=expiry_queue, Entries=entries)

    holds = [hold(n) for n in range(count)]
    chunks = [holds[start : start + 500] for start in range(0, count, 500)]

    def write_all(mine: Sequence[Sequence[Reservation]]) -> None:
        for chunk in mine:
            write(chunk)

    all_at_once(lambda w: write_all(chunks[w::4]), 4)
    return time.monotonic() - began


def _write_items(holds: Sequence[Reservation]) -> None:
    """The items a one-seat hold writes, by BatchWriteItem (25 a call) instead of one transaction per hold."""
    from chalicelib.adapters.dynamodb.booking import PURGE_AFTER_MS, DynamoSeatInventory
    from chalicelib.adapters.dynamodb.models.booking import HolderItem, ReservationItem, SeatItem
    from chalicelib.domain.clock import epoch_ms, from_epoch_ms

    with (
        SeatItem.batch_write() as seat_items,
        ReservationItem.batch_write() as reservations,
        HolderItem.batch_write() as holders,
    ):
        for hold in holds:
            [seat] = hold.seat_ids
            expires_ms, created_ms = epoch_ms(hold.expires_at), epoch_ms(hold.created_at)
            seat_items.save(
                SeatItem(
                    hold.screening_id, seat, status="held", hold_id=hold.id, holder_id=hold.user_id,
                    expires_at_ms=expires_ms, version=1,
                )
            )  # fmt: skip
            reservations.save(DynamoSeatInventory._new_reservation_item(hold))
            holders.save(
                HolderItem(
                    hold.user_id, hold.screening_id, hold_id=hold.id, expires_at_ms=expires_ms,
                    seat_ids=list(hold.seat_ids), created_at_ms=created_ms, started_at_ms=created_ms,
                    purge_at=from_epoch_ms(expires_ms + PURGE_AFTER_MS),
                )
            )  # fmt: skip


def _expiry_body(hold: Reservation) -> str:
    """What `SqsExpiryScheduler.schedule` sends for a hold."""
    return json.dumps({"reservation_id": hold.id, "screening_id": hold.screening_id})


def held_twice(screening_id: str) -> list[str]:
    from tests.concurrency.invariants import check_seat_invariants

    return check_seat_invariants(screening_id, {})


# --- the run ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3, help="back-to-back runs of --workers")
    parser.add_argument("--preload", type=int, default=10_000, help="holds made beforehand, then one more run")
    parser.add_argument("--crowd", type=int, default=200, help="workers of the crowd run (0: none)")
    parser.add_argument("--storm", type=int, default=200, help="users of the storm on 2 seats (0: none)")
    parser.add_argument("--api-url")
    parser.add_argument("--aws-endpoint")
    args = parser.parse_args(argv)

    preload_screenings = -(-args.preload // PRELOAD_SCREENINGS_SEATS)
    started = local_cloud(env=DIRECT_PATH) if not args.api_url else None  # otherwise the defaults: HOLD_SECONDS=600
    with started or attached(args.api_url, args.aws_endpoint) as cloud:
        began = time.monotonic()
        [pool_screening, storm_screening, *preload_ids] = cloud.seed(
            demo_data.halls(2 + preload_screenings)
        ).screening_ids
        processes = CloudProcesses(cloud.process.pid if cloud.process else None)
        print(
            f"seeded {2 + preload_screenings} screenings of 300 seats in {time.monotonic() - began:.1f} s; "
            f"HOLD_SECONDS={cloud.settings().hold_seconds}; pool of {len(POOL)} seats; {args.seconds:.0f} s per run; "
            f"load {load_average()}",
            flush=True,
        )
        runs = []
        for n in range(1, args.runs + 1):
            runs.append(
                contention(
                    cloud.api_url,
                    pool_screening,
                    args.workers,
                    args.seconds,
                    processes,
                    f"run {n}: {args.workers} workers",
                )
            )
            print(runs[-1].line(), flush=True)
        if args.preload:
            took = preload_holds(cloud, preload_ids, args.preload)
            print(f"preloaded {args.preload} holds (items and expiry messages) in {took:.1f} s", flush=True)
            runs.append(contention(cloud.api_url, pool_screening, args.workers, args.seconds, processes,
                                   f"after {args.preload} holds: {args.workers}"))  # fmt: skip
            print(runs[-1].line(), flush=True)
        if args.crowd:
            runs.append(
                contention(
                    cloud.api_url, pool_screening, args.crowd, args.seconds, processes, f"crowd: {args.crowd} workers"
                )
            )
            print(runs[-1].line(), flush=True)
        if args.storm:
            stormed = storm(cloud.api_url, storm_screening, args.storm, processes)
            print(
                f"{stormed.name:28} all {stormed.tally.requests} answered "
                f"{max(stormed.tally.holds):.2f} s after the start, p50 {percentile(stormed.tally.holds, 50):.2f} s; "
                f"outcomes {stormed.tally.outcomes}; load {stormed.load}",
                flush=True,
            )
        first, *rest = runs[: args.runs]
        for run in rest + runs[args.runs : args.runs + (1 if args.preload else 0)]:
            print(f"{run.name}: {run.rate / first.rate:.2f} x the first run's requests/s (goal >= 0.90)")
        problems = held_twice(pool_screening) + (held_twice(storm_screening) if args.storm else [])
        print("invariants after the runs:", "OK (no seat held twice)" if not problems else problems[:10])


if __name__ == "__main__":
    main()
