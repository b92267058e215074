"""How fast the local cloud's moto answers what a rush on seats needs, with and without the per-item rollback.

Starts the serialized moto server twice as a child process (per-item transactions, then moto's own
whole-table snapshot), fills a seat table with 6,000 items (20 screenings x 300 seats), and measures
from one client: 4-seat ``TransactWriteItems`` per second, and conditional ``UpdateItem`` per second.
Bounded: each measurement stops after its count or its time budget.

    .venv/bin/python -m scripts.bench_moto [--items 6000] [--seconds 8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable

import boto3

from scripts.localcloud.children import ROOT, Child, wait_for_port
from scripts.localcloud.harness import free_port

TABLE = "bench-seats"
SEATS_PER_SCREENING = 300


def start_moto(transactions: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "scripts.localcloud.moto_server", "--port", str(port), "--transactions", transactions],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 20, Child("moto", child))
    except (RuntimeError, TimeoutError) as exc:
        child.kill()
        raise SystemExit(f"moto did not start: {exc}") from exc
    return child, f"http://127.0.0.1:{port}"


def fill(client, items: int) -> None:
    client.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "screening_id", "KeyType": "HASH"},
            {"AttributeName": "seat_id", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "screening_id", "AttributeType": "S"},
            {"AttributeName": "seat_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    requests = [
        {"PutRequest": {"Item": {
            "screening_id": {"S": f"screening-{n // SEATS_PER_SCREENING:03d}"},
            "seat_id": {"S": f"S{n % SEATS_PER_SCREENING:03d}"},
            "status": {"S": "available"}, "category": {"S": "standard"},
            "price_cents": {"N": "1200"}, "version": {"N": "0"},
        }}}
        for n in range(items)
    ]  # fmt: skip
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={TABLE: requests[start : start + 25]})


def _seat_update(seat: str) -> dict:
    return {
        "TableName": TABLE,
        "Key": {"screening_id": {"S": "screening-000"}, "seat_id": {"S": seat}},
        "UpdateExpression": "SET #s = :held ADD version :one",
        "ConditionExpression": "attribute_exists(seat_id) AND #s <> :sold",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":held": {"S": "held"}, ":sold": {"S": "sold"}, ":one": {"N": "1"}},
    }


def rate(operation: Callable[[int], None], count: int, seconds: float) -> tuple[float, int]:
    done, start = 0, time.perf_counter()
    while done < count and time.perf_counter() - start < seconds:
        operation(done)
        done += 1
    return done / (time.perf_counter() - start), done


def measure(transactions: str, items: int, seconds: float) -> dict[str, tuple[float, int]]:
    child, url = start_moto(transactions)
    try:
        client = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")
        fill(client, items)

        def transaction(n: int) -> None:
            seats = [f"S{(4 * n + k) % SEATS_PER_SCREENING:03d}" for k in range(4)]
            client.transact_write_items(TransactItems=[{"Update": _seat_update(seat)} for seat in seats])

        def update(n: int) -> None:
            client.update_item(**_seat_update(f"S{n % SEATS_PER_SCREENING:03d}"))

        return {"transact": rate(transaction, 2000, seconds), "update": rate(update, 2000, seconds)}
    finally:
        child.terminate()
        child.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description="moto transaction throughput, per-item rollback vs moto's own")
    parser.add_argument("--items", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    results = {mode: measure(mode, args.items, args.seconds) for mode in ("per-item", "moto")}
    lines = [f"moto 5.2.5 server, serialized, one client, table of {args.items} items:"]
    for mode, figures in results.items():
        tx_rate, tx_count = figures["transact"]
        up_rate, up_count = figures["update"]
        lines.append(
            f"  {mode:<9} transactions: TransactWriteItems (4 seats) {tx_rate:7.1f}/s ({tx_count} done)   "
            f"conditional UpdateItem {up_rate:7.1f}/s ({up_count} done)"
        )
    per_item, stock = results["per-item"]["transact"][0], results["moto"]["transact"][0]
    lines.append(f"  per-item rollback is {per_item / stock:.0f}x moto's whole-table snapshot at this size")
    print("\n".join(lines))  # the benchmark's report


if __name__ == "__main__":
    main()
