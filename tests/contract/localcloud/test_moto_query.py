"""moto's Query by partition answers exactly as stock moto does: order, paging, conditions, filters, projections."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from scripts.localcloud import moto_query


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
