"""A race of conflicting transactions against a moto server, and an audit of what survived it.

Every client owns a counter and shares one total with the others. Each transaction adds one to both;
half of them also hold a condition that always fails, so they must be cancelled with no trace. After
the race, the table must show exactly the acknowledged writes: each counter equals its client's
successes, the total their sum, every acknowledged log item exists and no cancelled one does.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRIES = Config(retries={"total_max_attempts": 1}, max_pool_connections=4)


def dynamodb(endpoint: str):
    return boto3.session.Session().client("dynamodb", endpoint_url=endpoint, region_name="us-east-1", config=NO_RETRIES)


@dataclass
class RaceResult:
    acknowledged: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    inconsistencies: list[str] = field(default_factory=list)

    @property
    def corrupted(self) -> bool:
        return bool(self.server_errors or self.inconsistencies)


def make_table(endpoint: str, filler_items: int) -> str:
    client = dynamodb(endpoint)
    name = f"race-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=name, Item={"pk": {"S": "shared"}, "tally": {"N": "0"}})
    client.put_item(TableName=name, Item={"pk": {"S": "sentinel"}})
    for i in range(filler_items):
        client.put_item(TableName=name, Item={"pk": {"S": f"filler-{i:05d}"}, "payload": {"S": "x" * 200}})
    return name


def _transaction(table: str, client_no: int, step: int, cancel: bool) -> list[dict]:
    add_one = {":one": {"N": "1"}}
    items: list[dict] = [
        {"Update": {"TableName": table, "Key": {"pk": {"S": f"counter-{client_no}"}},
                    "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": add_one}},
        {"Update": {"TableName": table, "Key": {"pk": {"S": "shared"}},
                    "UpdateExpression": "ADD tally :one", "ExpressionAttributeValues": add_one}},
        {"Put": {"TableName": table, "Item": {"pk": {"S": f"{'junk' if cancel else 'log'}-{client_no}-{step}"}}}},
    ]  # fmt: skip
    if cancel:
        items.append(
            {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "sentinel"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}}
        )  # fmt: skip
    return items


def run_race(endpoint: str, table: str, *, clients: int = 8, transactions_each: int = 30) -> RaceResult:
    result = RaceResult(acknowledged={n: 0 for n in range(clients)})
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client_loop(client_no: int) -> None:
        client = dynamodb(endpoint)
        start.wait()
        for step in range(transactions_each):
            cancel = step % 2 == 1
            try:
                client.transact_write_items(TransactItems=_transaction(table, client_no, step, cancel))
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                status = exc.response["ResponseMetadata"].get("HTTPStatusCode", 0)
                with lock:
                    if status >= 500:
                        result.server_errors.append(f"{status} {code}")
                    elif not (cancel and code == "TransactionCanceledException"):
                        result.unexpected.append(f"{status} {code}")
                continue
            with lock:
                if cancel:
                    result.unexpected.append("a transaction with a failing condition was acknowledged")
                else:
                    result.acknowledged[client_no] += 1

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    audit(endpoint, table, result)
    dynamodb(endpoint).delete_table(TableName=table)
    return result


def audit(endpoint: str, table: str, result: RaceResult) -> None:
    """Compare the table with the acknowledged writes, after the race."""
    client = dynamodb(endpoint)
    items: dict[str, dict] = {}
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.update({item["pk"]["S"]: item for item in page["Items"]})
    for client_no, acked in result.acknowledged.items():
        stored = int(items.get(f"counter-{client_no}", {}).get("n", {}).get("N", "0"))
        if stored != acked:
            result.inconsistencies.append(f"counter-{client_no}: {stored} stored, {acked} acknowledged")
        logs = sum(1 for pk in items if pk.startswith(f"log-{client_no}-"))
        if logs != acked:
            result.inconsistencies.append(f"log items of client {client_no}: {logs} stored, {acked} acknowledged")
    total = int(items["shared"]["tally"]["N"]) if "shared" in items else -1
    if total != sum(result.acknowledged.values()):
        result.inconsistencies.append(f"shared total: {total} stored, {sum(result.acknowledged.values())} acknowledged")
    junk = [pk for pk in items if pk.startswith("junk-")]
    if junk:
        result.inconsistencies.append(f"{len(junk)} writes of cancelled transactions survived")
