"""Projections of top-level attributes built from the stored values answer exactly as stock moto's."""

from __future__ import annotations

import boto3
from moto import mock_aws

from scripts.localcloud import moto_projection
from tests.contract.localcloud.moto_tables import fresh_table

TABLE = "projected-seats"
ITEMS = [
    {
        "s": {"S": "A1"},
        "st": {"S": "held"},
        "ver": {"N": "12"},
        "pd": {"BOOL": False},
        "nt": {"NULL": True},
    },
    {"s": {"S": "A2"}, "st": {"S": "available"}, "ver": {"N": "-0"}, "pr": {"N": "12.50"}},
    {"s": {"S": "A3"}, "st": {"S": "sold"}, "ver": {"N": "007"}, "tg": {"SS": ["b", "a"]}},
    {"s": {"S": "A4"}, "st": {"S": "held"}, "ver": {"N": "1E+2"}, "sl": {"L": [{"S": "x"}, {"N": "1"}]}},
    {"s": {"S": "A5"}, "mp": {"M": {"inner": {"S": "v"}, "n": {"N": "3"}}}, "bl": {"B": b"\x00\x01"}},
]
PROJECTIONS = [
    "#s, st, ver",  # simple types only: built directly (A1), or moto's (sets, odd numbers, maps...)
    "#s, ver, pr, tg, pd, nt",
    "#s, absent_attr, st",
    "#s, sl[1], #m.inner",  # nested paths: always moto's
    "#s, #m, bl",
]


def scenario() -> list:
    answers: list = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        fresh_table(
            client,
            TABLE,
            indexed=("st",),
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "keys_only",
                    "KeySchema": [{"AttributeName": "st", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                },
                {
                    "IndexName": "include",
                    "KeySchema": [{"AttributeName": "st", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["ver", "tg"]},
                },
            ],
        )
        for item in ITEMS:
            client.put_item(TableName=TABLE, Item={"p": {"S": "screening"}, **item})
        names = {"#s": "s", "#m": "mp"}
        for projection in PROJECTIONS:
            used = {key: value for key, value in names.items() if key in projection}
            extra = {"ExpressionAttributeNames": used} if used else {}
            query = client.query(
                TableName=TABLE,
                KeyConditionExpression="p = :p",
                ExpressionAttributeValues={":p": {"S": "screening"}},
                ProjectionExpression=projection,
                **extra,
            )
            answers.append(query["Items"])
            for item in ITEMS:
                key = {"p": {"S": "screening"}, "s": item["s"]}
                answers.append(client.get_item(TableName=TABLE, Key=key, ProjectionExpression=projection, **extra))
        for index in ("keys_only", "include"):
            answers.append(
                client.query(
                    TableName=TABLE,
                    IndexName=index,
                    KeyConditionExpression="#st = :held",
                    ExpressionAttributeNames={"#st": "st"},
                    ExpressionAttributeValues={":held": {"S": "held"}},
                )["Items"]
            )
        client.delete_table(TableName=TABLE)
    for answer in answers:
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
    return answers


def test_every_projection_answers_as_stock_moto():
    stock = scenario()
    with moto_projection.direct_projection():
        ours = scenario()

    assert ours == stock
    assert stock[0] and all(set(item) == {"s", "st", "ver"} for item in stock[0][:3])


def test_simple_projections_skip_motos_round_trip(monkeypatch):
    from moto.dynamodb.models import dynamo_type

    round_trips = []
    original = dynamo_type.Item.to_regular_json
    monkeypatch.setattr(dynamo_type.Item, "to_regular_json", lambda self: round_trips.append(1) or original(self))
    with moto_projection.direct_projection():
        item = dynamo_type.Item(dynamo_type.DynamoType({"S": "p"}), None, attrs=ITEMS[0])
        projected = item.project([["st"], ["ver"], ["pd"], ["nt"], ["absent_attr"]])

    assert projected.to_json()["Attributes"] == {
        "st": {"S": "held"},
        "ver": {"N": "12"},
        "pd": {"BOOL": False},
        "nt": {"NULL": True},
    }
    assert round_trips == []
