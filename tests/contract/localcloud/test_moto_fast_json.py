"""moto's fast JSON path gives boto3 exactly the answers of moto's own serializer, for every item operation."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from scripts.localcloud import moto_fast_json


def scenario() -> list:
    """Every item operation, successes and failures, on a fresh mock; returns what boto3 parsed."""
    answers: list = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "p", "AttributeType": "S"},
                {"AttributeName": "s", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )

        def call(name: str, **kwargs) -> None:
            try:
                answer = getattr(client, name)(**kwargs)
                answer.pop("ResponseMetadata", None)
                answers.append((name, answer))
            except ClientError as error:
                answers.append((name, error.response["Error"], error.response.get("CancellationReasons")))

        for n in range(30):
            item = {
                "p": {"S": "x"},
                "s": {"S": f"A{n:02}"},
                "n": {"N": str(n)},
                "l": {"L": [{"S": "a"}, {"N": "1"}]},
                "m": {"M": {"k": {"BOOL": True}, "z": {"NULL": True}}},
                "ss": {"SS": ["b", "a"]},
            }
            call("put_item", TableName="t", Item=item)
        call("put_item", TableName="t", Item={"p": {"S": "x"}, "s": {"S": "A00"}}, ReturnValues="ALL_OLD")
        call(
            "put_item",
            TableName="t",
            Item={"p": {"S": "x"}, "s": {"S": "A01"}},
            ConditionExpression="attribute_not_exists(p)",
        )
        call("get_item", TableName="t", Key={"p": {"S": "x"}, "s": {"S": "A02"}})
        call("get_item", TableName="t", Key={"p": {"S": "x"}, "s": {"S": "missing"}})
        call(
            "update_item",
            TableName="t",
            Key={"p": {"S": "x"}, "s": {"S": "A03"}},
            UpdateExpression="SET n = n + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )
        call("delete_item", TableName="t", Key={"p": {"S": "x"}, "s": {"S": "A04"}}, ReturnValues="ALL_OLD")
        call("query", TableName="t", KeyConditionExpression="p = :p", ExpressionAttributeValues={":p": {"S": "x"}})
        call(
            "query",
            TableName="t",
            KeyConditionExpression="p = :p",
            ExpressionAttributeValues={":p": {"S": "x"}},
            Limit=5,
            ScanIndexForward=False,
            ReturnConsumedCapacity="TOTAL",
        )
        call("scan", TableName="t", FilterExpression="n > :n", ExpressionAttributeValues={":n": {"N": "20"}})
        call("batch_get_item", RequestItems={"t": {"Keys": [{"p": {"S": "x"}, "s": {"S": "A05"}}]}})
        call("batch_write_item", RequestItems={"t": [{"DeleteRequest": {"Key": {"p": {"S": "x"}, "s": {"S": "A06"}}}}]})
        call(
            "transact_get_items",
            TransactItems=[{"Get": {"TableName": "t", "Key": {"p": {"S": "x"}, "s": {"S": "A07"}}}}],
        )
        call(
            "transact_write_items",
            TransactItems=[
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"p": {"S": "x"}, "s": {"S": "A08"}},
                        "UpdateExpression": "SET n = :v",
                        "ExpressionAttributeValues": {":v": {"N": "9"}},
                    }
                }
            ],
        )
        call(
            "transact_write_items",
            TransactItems=[
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"p": {"S": "x"}, "s": {"S": "A09"}},
                        "UpdateExpression": "SET n = :v",
                        "ConditionExpression": "n = :other",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        "ExpressionAttributeValues": {":v": {"N": "9"}, ":other": {"N": "100"}},
                    }
                },
                {"Put": {"TableName": "t", "Item": {"p": {"S": "x"}, "s": {"S": "new"}}}},
            ],
        )
        # The suite may already run inside one moto, which a nested mock_aws does not reset: leave nothing behind.
        client.delete_table(TableName="t")
    return answers


@pytest.fixture(autouse=True)
def stock_moto():
    moto_fast_json.uninstall() if moto_fast_json.installed() else None
    yield
    moto_fast_json.uninstall()


def test_the_fast_path_answers_every_item_operation_exactly_as_motos_serializer(monkeypatch):
    stock = scenario()
    fell_back: list[str] = []
    original = moto_fast_json._ORIGINAL

    def recording_original(result, context):
        fell_back.append(context.operation_model.name)
        return original(result, context)

    monkeypatch.setattr(moto_fast_json, "_ORIGINAL", recording_original)
    with moto_fast_json.fast_json():
        fast = scenario()

    assert not set(fell_back) & moto_fast_json.ITEM_OPERATIONS, "the fast path was not taken"

    assert len(stock) == len(fast) > 20
    for expected, actual in zip(stock, fast, strict=True):
        assert actual == expected
