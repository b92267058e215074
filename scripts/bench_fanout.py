"""Benchmark: seat changes pushed to many WebSocket watchers of one screening, on the local cloud.

    .venv/bin/python -m scripts.bench_fanout [--watchers 500] [--clients 50] [--seconds 30] [--think 1.0]

Starts the local cloud (scripts/localcloud/harness.py: the tree `make run` starts) with one screening of
300 seats, then, in one run:
1. `--watchers` WebSocket connections join the screening (one asyncio loop in this process) and keep an
   exact seat map: snapshot, then every `seat_status_update` in seq order; on a gap they join again;
2. `--clients` threads (each its own user) hold 1-2 random seats over HTTP, wait `--think` seconds,
   release them, wait again, for `--seconds`;
3. after a quiet period every watcher's map is compared with the seat map the API serves.

Prints: changes written (seats held plus seats released), update messages per watcher per second, the
latency from a committed write (its HTTP answer; the commit is earlier) to the moment the LAST watcher
received the message carrying it (p50/p95/p99), gaps seen (resyncs), and watchers whose map is wrong
although they saw no gap ("missed without a gap", goal 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field

import requests
import websockets

from scripts import demo_data
from scripts.localcloud.harness import local_cloud

ROWS = demo_data.HALL_ROWS


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


# --- watchers -----------------------------------------------------------------------------------------


@dataclass
class Watcher:
    seq: int | None = None
    seats: dict[str, str] = field(default_factory=dict)
    pending: list[dict] = field(default_factory=list)
    gaps: int = 0
    updates: int = 0
    # (seq, arrival) of every update applied: the bench matches writes to messages by seq
    arrivals: dict[int, float] = field(default_factory=dict)

    def on_message(self, message: dict, now: float) -> bool:
        """Apply a message; True when the watcher must ask for a snapshot again (a gap)."""
        if message.get("type") != "seat_status_update":
            return False
        if message.get("snapshot"):
            self.seq = message["seq"]
            self.seats = {seat["id"]: seat["status"] for seat in message["seats"]}
            waiting, self.pending = self.pending, []
            return any(self.on_message(m, now) for m in sorted(waiting, key=lambda m: m["seq"]))
        if self.seq is None:
            self.pending.append(message)  # arrived before the snapshot it follows
            return False
        if message["seq"] <= self.seq:
            return False  # in the snapshot already, or a repeat
        self.arrivals.setdefault(message["seq"], now)
        if message["seq"] != self.seq + 1:
            self.gaps += 1
            self.seq = None
            return True
        self.seq = message["seq"]
        self.updates += 1
        for change in message["changes"]:
            self.seats[change["seat_id"]] = change["status"]
        return False


@dataclass
class Messages:
    """Every update message seen by any watcher: seq -> its changes."""

    changes: dict[int, list[dict]] = field(default_factory=dict)


async def watch(url: str, screening_id: str, watcher: Watcher, messages: Messages, ready, stop) -> None:
    join = json.dumps({"action": "join_screening", "screening_id": screening_id})
    async with websockets.connect(url, max_size=None, open_timeout=60, ping_interval=None) as socket:
        await socket.send(join)
        ready()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            now = time.time()
            message = json.loads(raw)
            if message.get("type") == "seat_status_update" and not message.get("snapshot"):
                messages.changes.setdefault(message["seq"], message["changes"])
            if watcher.on_message(message, now):
                await asyncio.sleep(0.5)  # the snapshot cap: two a second per connection
                await socket.send(join)


async def watchers_main(url, screening_id, watchers, messages, joined: threading.Event, stop: threading.Event):
    count = [0]

    def ready() -> None:
        count[0] += 1
        if count[0] == len(watchers):
            joined.set()

    tasks = []
    for n, watcher in enumerate(watchers):
        tasks.append(asyncio.create_task(watch(url, screening_id, watcher, messages, ready, stop)))
        if n % 25 == 24:
            await asyncio.sleep(0.2)  # 500 new connections/s is API Gateway's limit; stay well under it
    await asyncio.gather(*tasks)


# --- writers ------------------------------------------------------------------------------------------


@dataclass
class Write:
    seat_id: str
    status: str
    sent: float
    answered: float


def writer(api_url: str, token: str, screening_id: str, seconds: float, think: float, out: list[Write], seed: int):
    rng = random.Random(seed)
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    seats = [f"{row}{n}" for row in ROWS for n in range(1, 21)]
    deadline = time.time() + seconds
    while time.time() < deadline:
        wanted = rng.sample(seats, rng.choice((1, 2)))
        sent = time.time()
        answer = session.post(
            f"{api_url}/api/seat-reservations",
            json={"screening_id": screening_id, "seat_ids": wanted},
            headers=headers,
            timeout=30,
        )
        answered = time.time()
        if answer.status_code != 201:
            time.sleep(think / 2)
            continue
        out.extend(Write(seat, "held", sent, answered) for seat in wanted)
        time.sleep(think)
        sent = time.time()
        released = session.delete(f"{api_url}/api/seat-reservations/{answer.json()['id']}", headers=headers, timeout=30)
        answered = time.time()
        if released.status_code == 200:
            out.extend(Write(seat, "available", sent, answered) for seat in released.json()["released_seat_ids"])
        time.sleep(think)


# --- matching writes to messages ------------------------------------------------------------------------


def latencies(writes: list[Write], messages: Messages, watchers: list[Watcher]) -> tuple[list[float], int]:
    """Per write: the message carrying it is the first, in seq order after the one that carried the seat's
    previous write, that shows the seat in the written status (a later one when the write was coalesced
    away, which can only overstate the latency). Its latency: the last watcher's arrival minus the answer."""
    by_seat: dict[str, list[Write]] = {}
    for write in sorted(writes, key=lambda w: w.sent):
        by_seat.setdefault(write.seat_id, []).append(write)
    shown: dict[str, list[tuple[int, str]]] = {}
    for seq in sorted(messages.changes):
        for change in messages.changes[seq]:
            shown.setdefault(change["seat_id"], []).append((seq, change["status"]))
    result: list[float] = []
    unmatched = 0
    for seat, seat_writes in by_seat.items():
        queue = shown.get(seat, [])
        position = 0
        for write in seat_writes:
            while position < len(queue) and queue[position][1] != write.status:
                position += 1
            if position == len(queue):
                unmatched += 1
                continue
            seq = queue[position][0]
            position += 1
            arrivals = [w.arrivals[seq] for w in watchers if seq in w.arrivals]
            if len(arrivals) == len(watchers):
                result.append(max(0.0, max(arrivals) - write.answered))
    return result, unmatched


# --- the run ------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    with local_cloud(dataset=demo_data.halls(1)) as cloud:
        screening_id = cloud.seeded.screening_ids[0]
        watchers = [Watcher() for _ in range(args.watchers)]
        messages = Messages()
        joined, stop = threading.Event(), threading.Event()
        loop_thread = threading.Thread(
            target=lambda: asyncio.run(watchers_main(cloud.ws_url, screening_id, watchers, messages, joined, stop)),
            daemon=True,
        )
        started_joining = time.time()
        loop_thread.start()
        if not joined.wait(300):
            print("watchers did not all connect", file=sys.stderr)
            return 1
        while any(w.seq is None for w in watchers) and time.time() - started_joining < 300:
            time.sleep(0.2)
        print(f"{args.watchers} watchers joined in {time.time() - started_joining:.1f} s", flush=True)

        writes: list[Write] = []
        threads = [
            threading.Thread(
                target=writer,
                args=(cloud.api_url, cloud.token(f"bench-{n}"), screening_id, args.seconds, args.think, writes, n),
            )
            for n in range(args.clients)
        ]
        began = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        written_for = time.time() - began
        # Let the last changes reach everyone: until no new message came for `--quiet` seconds (at most 3 min).
        last_count, last_change = len(messages.changes), time.time()
        while time.time() - last_change < args.quiet and time.time() - began < written_for + 180:
            time.sleep(0.5)
            if len(messages.changes) != last_count:
                last_count, last_change = len(messages.changes), time.time()
        caught_up_after = last_change - began - written_for
        stop.set()
        loop_thread.join(timeout=30)

        truth = requests.get(f"{cloud.api_url}/api/seat-reservations/available-seats/{screening_id}", timeout=30)
        final = {seat["id"]: seat["status"] for seat in truth.json()["seats"]}
        wrong = [w for w in watchers if w.seats != final]
        missed_without_gap = [w for w in wrong if w.gaps == 0]
        delays, unmatched = latencies(writes, messages, watchers)
        updates = sum(w.updates for w in watchers)
        print(
            json.dumps(
                {
                    "watchers": args.watchers,
                    "clients": args.clients,
                    "seconds": round(written_for, 1),
                    "changes_written": len(writes),
                    "update_messages": len(messages.changes),
                    "last_message_after_writes_s": round(caught_up_after, 1),
                    "posts_per_second": round(updates / written_for, 1),
                    "messages_per_watcher_per_second": round(updates / args.watchers / written_for, 2),
                    "latency_to_last_watcher_ms": {
                        "p50": round(percentile(delays, 50) * 1000),
                        "p95": round(percentile(delays, 95) * 1000),
                        "p99": round(percentile(delays, 99) * 1000),
                        "max": round(max(delays, default=float("nan")) * 1000),
                        "writes_measured": len(delays),
                        "writes_not_matched": unmatched,
                    },
                    "gaps_seen": sum(w.gaps for w in watchers),
                    "watchers_with_wrong_map": len(wrong),
                    "missed_without_a_gap": len(missed_without_gap),
                },
                indent=2,
            )
        )
        return 1 if missed_without_gap else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watchers", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a hold and its release, and after")
    parser.add_argument("--quiet", type=float, default=5.0, help="done when no message came for this long")
    sys.exit(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
