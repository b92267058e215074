"""moto's Query by partition (base table and GSI) answers exactly as stock moto does, at the cost of its answer."""

from __future__ import annotations

import random

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from scripts.localcloud import moto_query, moto_transactions
from tests.contract.localcloud.work import python_calls


def scenario() -> list:
    answers: list = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="seats",
            KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "p", "AttributeType": "S"},
                {"AttributeName": "s", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for partition in ("x", "y", "z"):
            for n in (5, 1, 12, 3, 40, 22, 7):
                client.put_item(
                    TableName="seats",
                    Item={
                        "p": {"S": partition},
                        "s": {"S": f"A{n}"},
                        "n": {"N": str(n)},
                        "g": {"S": "even" if n % 2 == 0 else "odd"},
                    },
                )

        def query(**kwargs) -> None:
            pages, start = [], None
            while True:
                extra = {"ExclusiveStartKey": start} if start else {}
                answer = client.query(TableName="seats", **kwargs, **extra)
                answer.pop("ResponseMetadata", None)
                pages.append(answer)
                start = answer.get("LastEvaluatedKey")
                if not start:
                    break
            answers.append(pages)

        key = {"KeyConditionExpression": "p = :p", "ExpressionAttributeValues": {":p": {"S": "y"}}}
        query(**key)
        query(**key, ScanIndexForward=False)
        query(**key, Limit=3)
        query(**key, Limit=2, ScanIndexForward=False)
        query(
            KeyConditionExpression="p = :p AND begins_with(s, :a)",
            ExpressionAttributeValues={":p": {"S": "z"}, ":a": {"S": "A1"}},
        )
        query(
            KeyConditionExpression="p = :p AND s BETWEEN :lo AND :hi",
            ExpressionAttributeValues={":p": {"S": "x"}, ":lo": {"S": "A2"}, ":hi": {"S": "A5"}},
        )
        query(
            KeyConditionExpression="p = :p",
            FilterExpression="n > :n",
            ExpressionAttributeValues={":p": {"S": "y"}, ":n": {"N": "6"}},
            Limit=4,
        )
        query(**key, ProjectionExpression="s, n")
        query(KeyConditionExpression="p = :p", ExpressionAttributeValues={":p": {"S": "missing"}})
        query(IndexName="by_g", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "even"}})
        answers.append(client.scan(TableName="seats")["Items"])
        # The suite may already run inside one moto, which a nested mock_aws does not reset: leave nothing behind.
        client.delete_table(TableName="seats")
    return answers


@pytest.fixture(autouse=True)
def stock_moto():
    moto_query.uninstall()
    yield
    moto_query.uninstall()


def test_query_by_partition_answers_exactly_as_stock_moto(monkeypatch):
    stock = scenario()
    partitions_served: list = []
    original = moto_query._ORIGINAL_ALL_ITEMS

    def whole_table(table):
        partitions_served.append(getattr(moto_query._partition, "key", None))
        return original(table)

    monkeypatch.setattr(moto_query, "_ORIGINAL_ALL_ITEMS", whole_table)
    with moto_query.by_partition():
        fast = scenario()

    assert fast == stock
    assert len(stock) == 11
    # the 9 base-table queries (14 pages) never read the whole table; only the GSI query and the scan may
    assert len(partitions_served) <= 2 and all(key is None for key in partitions_served)


# --- global secondary indexes: kept through every kind of write ----------------------------------------


def reservations_table(client) -> None:
    """Shaped like the reservations table: a sparse GSI with a range key, and one without."""
    client.create_table(
        TableName="holds",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "shard", "AttributeType": "S"},
            {"AttributeName": "expires", "AttributeType": "N"},
            {"AttributeName": "user", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_expiry",
                "KeySchema": [
                    {"AttributeName": "shard", "KeyType": "HASH"},
                    {"AttributeName": "expires", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "by_user",
                "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def hold_item(n: int, rng: random.Random) -> dict:
    item = {"id": {"S": f"h{n:03d}"}, "user": {"S": f"u{rng.randint(0, 4)}"}, "expires": {"N": str(rng.randint(0, 30))}}
    if rng.random() < 0.8:
        item["shard"] = {"S": str(rng.randint(0, 2))}
    return item


def gsi_queries(client, rng: random.Random) -> list:
    """Every key condition shape, with limits, both directions, pagination, filters and projections."""
    answers = []
    bound = str(rng.randint(0, 30))
    conditions = [
        ("shard = :h", {}),
        ("shard = :h AND expires <= :a", {":a": {"N": bound}}),
        ("shard = :h AND expires < :a", {":a": {"N": bound}}),
        ("shard = :h AND expires >= :a", {":a": {"N": bound}}),
        ("shard = :h AND expires > :a", {":a": {"N": bound}}),
        ("shard = :h AND expires = :a", {":a": {"N": bound}}),
        ("shard = :h AND expires BETWEEN :a AND :b", {":a": {"N": bound}, ":b": {"N": str(int(bound) + 7)}}),
    ]
    for condition, values in conditions:
        for extra in ({}, {"Limit": rng.randint(1, 5)}, {"ScanIndexForward": False, "Limit": 3}):
            request = {
                "TableName": "holds",
                "IndexName": "by_expiry",
                "KeyConditionExpression": condition,
                "ExpressionAttributeValues": {":h": {"S": str(rng.randint(0, 3))}, **values},
                **extra,
            }
            answers.append(pages(client, request))
    answers.append(
        pages(
            client,
            {
                "TableName": "holds",
                "IndexName": "by_user",
                "KeyConditionExpression": "#u = :u",
                "FilterExpression": "expires > :e",
                "ProjectionExpression": "id, expires",
                "ExpressionAttributeNames": {"#u": "user"},
                "ExpressionAttributeValues": {":u": {"S": f"u{rng.randint(0, 4)}"}, ":e": {"N": "10"}},
                "Limit": 2,
            },
        )
    )
    return answers


def pages(client, request: dict) -> list:
    got, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        answer = client.query(**request, **extra)
        answer.pop("ResponseMetadata", None)
        got.append(answer)
        start = answer.get("LastEvaluatedKey")
        if not start:
            return got


def random_writes(client, rng: random.Random, steps: int) -> None:
    for _ in range(steps):
        n, kind = rng.randint(0, 60), rng.choice(["put", "update", "update", "end", "delete", "tx", "batch"])
        key = {"id": {"S": f"h{n:03d}"}}
        try:
            if kind == "put":
                client.put_item(TableName="holds", Item=hold_item(n, rng))
            elif kind == "update":
                client.update_item(
                    TableName="holds",
                    Key=key,
                    UpdateExpression="SET expires = :e, shard = :s",
                    ConditionExpression="attribute_exists(id) OR :always = :always",
                    ExpressionAttributeValues={
                        ":e": {"N": str(rng.randint(0, 30))},
                        ":s": {"S": str(rng.randint(0, 2))},
                        ":always": {"S": "x"},
                    },
                )
            elif kind == "end":  # what ending a hold does: leave the sparse index
                client.update_item(TableName="holds", Key=key, UpdateExpression="REMOVE shard")
            elif kind == "delete":
                client.delete_item(TableName="holds", Key=key)
            elif kind == "tx":  # the last item's condition may fail: then nothing of it stays
                items = [{"Put": {"TableName": "holds", "Item": hold_item(n + k, rng)}} for k in range(2)]
                items.append({"Update": {
                    "TableName": "holds", "Key": {"id": {"S": f"h{n + 2:03d}"}},
                    "UpdateExpression": "SET expires = :e", "ConditionExpression": "attribute_exists(id)",
                    "ExpressionAttributeValues": {":e": {"N": "5"}},
                }})  # fmt: skip
                client.transact_write_items(TransactItems=items)
            else:
                puts = [{"PutRequest": {"Item": hold_item(n + k, rng)}} for k in range(3)]
                client.batch_write_item(
                    RequestItems={"holds": [*puts, {"DeleteRequest": {"Key": {"id": {"S": "h000"}}}}]}
                )
        except ClientError:
            pass  # refused writes are part of the scenario


def gsi_scenario(seed: int) -> list:
    rng, answers = random.Random(seed), []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        reservations_table(client)
        random_writes(client, rng, 40)
        for _ in range(4):
            answers.append(gsi_queries(client, rng))
            random_writes(client, rng, 40)
        client.delete_table(TableName="holds")
    return answers


@pytest.mark.parametrize("seed", range(4))
def test_gsi_queries_answer_exactly_as_stock_moto_through_puts_updates_deletes_and_transactions(seed):
    stock = gsi_scenario(seed)
    with moto_query.by_partition(), moto_transactions.per_item_transactions():
        fast = gsi_scenario(seed)

    assert fast == stock
    assert sum(len(page["Items"]) for run in stock for query in run for page in query) > 100


def test_the_sweep_query_costs_the_same_with_thousands_of_active_holds():
    def sweep_query(client) -> None:
        client.query(
            TableName="holds",
            IndexName="by_expiry",
            KeyConditionExpression="shard = :h AND expires <= :now",
            ExpressionAttributeValues={":h": {"S": "1"}, ":now": {"N": "3"}},
            Limit=100,
        )

    def fill(client, first: int, count: int) -> None:
        for start in range(first, first + count, 25):
            client.batch_write_item(RequestItems={"holds": [
                {"PutRequest": {"Item": {"id": {"S": f"h{n}"}, "shard": {"S": str(n % 3)}, "expires": {"N": str(n)}}}}
                for n in range(start, start + 25)
            ]})  # fmt: skip

    with mock_aws(), moto_query.by_partition():
        client = boto3.client("dynamodb", region_name="us-east-1")
        reservations_table(client)
        fill(client, 0, 300)
        sweep_query(client)
        small = python_calls(lambda: sweep_query(client))
        fill(client, 300, 3000)
        large = python_calls(lambda: sweep_query(client))
        client.delete_table(TableName="holds")

    assert large <= small * 1.1  # stock moto sorts and compares all 3,300 items: about 20x the calls
