"""moto's fast JSON path gives boto3 exactly the answers of moto's own serializer, for every item operation."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from scripts.localcloud import moto_fast_json

from .moto_tables import fresh_table


def scenario() -> list:
    """Every item operation, successes and failures, on a fresh mock; returns what boto3 parsed."""
    answers: list = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        fresh_table(client, "t")

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


def stream_scenario() -> list:
    """A table with a stream of new and old images: puts, an update, a delete; every GetRecords page as boto3
    parsed it (record ids, times and sizes aside: moto draws the first two afresh and measures the third on a
    record holding them)."""
    pages: list = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        table = fresh_table(
            client, "streamed", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        )
        for n in range(7):
            client.put_item(
                TableName="streamed",
                Item={"p": {"S": "x"}, "s": {"S": f"A{n}"}, "n": {"N": str(n)}, "m": {"M": {"k": {"BOOL": True}}}},
            )
        client.update_item(
            TableName="streamed",
            Key={"p": {"S": "x"}, "s": {"S": "A1"}},
            UpdateExpression="SET n = :v",
            ExpressionAttributeValues={":v": {"N": "10"}},
        )
        client.delete_item(TableName="streamed", Key={"p": {"S": "x"}, "s": {"S": "A2"}})
        shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=table["LatestStreamArn"], ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for _ in range(3):
            page = streams.get_records(ShardIterator=iterator, Limit=4)
            iterator = page["NextShardIterator"]
            for record in page["Records"]:
                assert isinstance(record.pop("eventID"), str)
                assert record["dynamodb"].pop("ApproximateCreationDateTime").year >= 2026
                assert record["dynamodb"].pop("SizeBytes") > 0
            pages.append(page["Records"])
        client.delete_table(TableName="streamed")
    return pages


def test_stream_records_are_answered_exactly_as_motos_serializer(monkeypatch):
    stock = stream_scenario()
    with moto_fast_json.fast_json():
        taken: list[object] = []
        original = moto_fast_json.StreamRecords.execute_result
        monkeypatch.setattr(
            moto_fast_json.StreamRecords,
            "execute_result",
            lambda self, context: taken.append(self) or original(self, context),
        )
        fast = stream_scenario()

    assert len(taken) == 3, "the fast path was not taken"
    assert [len(page) for page in stock] == [4, 4, 1]
    assert fast == stock
