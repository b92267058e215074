"""The per-item transaction rollback behaves exactly like moto's own, only without copying whole tables.

Each scenario runs twice on a fresh in-process moto: with moto's `transact_write_items`, then with ours.
The answers (error code, message, cancellation reasons, ALL_OLD items), the tables afterwards (scan
order included) and the stream records must be identical, and a cancelled transaction leaves no trace.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from scripts.localcloud import moto_patch, moto_transactions

SEATS, HOLDS = "tx-seats", "tx-holds"
Scenario = Callable[[Any], None]


def _seat(seat: str, status: str = "available") -> dict:
    return {"screening_id": {"S": "s1"}, "seat_id": {"S": seat}, "status": {"S": status}, "version": {"N": "1"}}


def _key(seat: str) -> dict:
    return {"screening_id": {"S": "s1"}, "seat_id": {"S": seat}}


def _set_status(seat: str, status: str, *, expect: str = "available", all_old: bool = False) -> dict:
    update: dict[str, Any] = {
        "TableName": SEATS,
        "Key": _key(seat),
        "UpdateExpression": "SET #s = :new ADD version :one",
        "ConditionExpression": "#s = :expected",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":new": {"S": status}, ":expected": {"S": expect}, ":one": {"N": "1"}},
    }
    if all_old:
        update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Update": update}


def _check(seat: str, status: str, *, all_old: bool = False) -> dict:
    check: dict[str, Any] = {
        "TableName": SEATS,
        "Key": _key(seat),
        "ConditionExpression": "#s = :expected",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":expected": {"S": status}},
    }
    if all_old:
        check["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"ConditionCheck": check}


PUT_NEW_HOLD = {
    "Put": {"TableName": HOLDS, "Item": {"id": {"S": "h-new"}}, "ConditionExpression": "attribute_not_exists(id)"}
}
DELETE_OLD_HOLD = {
    "Delete": {"TableName": HOLDS, "Key": {"id": {"S": "h-old"}}, "ConditionExpression": "attribute_exists(id)"}
}
MISSING_RANGE_KEY = {
    "ConditionCheck": {
        "TableName": SEATS,
        "Key": {"screening_id": {"S": "s1"}},
        "ConditionExpression": "attribute_exists(x)",
    }
}
REPLACE_HOLD_7 = {"Put": {"TableName": HOLDS, "Item": {"id": {"S": "h-7"}, "note": {"S": "replaced"}}}}


def _setup(client) -> None:
    client.create_table(
        TableName=SEATS,
        KeySchema=[
            {"AttributeName": "screening_id", "KeyType": "HASH"},
            {"AttributeName": "seat_id", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "screening_id", "AttributeType": "S"},
            {"AttributeName": "seat_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    client.create_table(
        TableName=HOLDS,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for seat in ("A1", "A2", "A3", "A4", "A5"):
        client.put_item(TableName=SEATS, Item=_seat(seat, "held" if seat == "A3" else "available"))
    for hold in ("h-1", "h-old", "h-7", "h-9"):
        client.put_item(TableName=HOLDS, Item={"id": {"S": hold}, "note": {"S": "original"}})


def _state(client) -> dict:
    """Every table in scan order, and the stream's records (event, keys, images)."""
    tables = {name: client.scan(TableName=name)["Items"] for name in (SEATS, HOLDS)}
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = client.describe_table(TableName=SEATS)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return {"tables": tables, "stream": [(r["eventName"], r["dynamodb"].get("NewImage")) for r in records]}


def _run(items: list[dict], *, patched: bool) -> tuple[dict, dict, dict]:
    """(answer, state before, state after) of one transaction on a fresh moto."""
    with mock_aws():  # nested in the suite's session-wide moto, it does not reset: drop our tables ourselves
        client = boto3.client("dynamodb", region_name="us-east-1")
        _drop(client)
        _setup(client)
        try:
            before = _state(client)
            try:
                if patched:
                    with moto_transactions.per_item_transactions():
                        client.transact_write_items(TransactItems=items)
                else:
                    client.transact_write_items(TransactItems=items)
                answer: dict = {"ok": True}
            except ClientError as exc:
                answer = {
                    "code": exc.response["Error"]["Code"],
                    "message": exc.response["Error"]["Message"],
                    "reasons": exc.response.get("CancellationReasons"),
                }
            return answer, before, _state(client)
        finally:
            _drop(client)


def _drop(client) -> None:
    for name in (SEATS, HOLDS):
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.delete_table(TableName=name)


SCENARIOS = {
    "success: put, update, delete and a passing condition check": [
        PUT_NEW_HOLD, _set_status("A1", "held"), DELETE_OLD_HOLD, _check("A2", "available"),
    ],
    "one failing condition among several, with ALL_OLD": [
        _set_status("A1", "held"), _set_status("A3", "held", all_old=True), _set_status("A4", "held"), PUT_NEW_HOLD,
    ],
    "two failing conditions, one asking for ALL_OLD": [
        _set_status("A3", "sold", all_old=True), _set_status("A1", "sold", expect="held"), _set_status("A2", "held"),
    ],
    "the same item twice in one transaction": [
        _set_status("A1", "held"), _check("A1", "available"),
    ],
    "put, update, delete, replace, then a failing condition check": [
        PUT_NEW_HOLD, _set_status("A1", "held"), DELETE_OLD_HOLD, REPLACE_HOLD_7, _check("A2", "sold", all_old=True),
    ],
    "a delete followed by a validation error": [
        DELETE_OLD_HOLD, _set_status("A1", "held"), MISSING_RANGE_KEY,
    ],
    "a write to a table that does not exist": [
        _set_status("A1", "held"), {"Put": {"TableName": "no-such-table", "Item": {"id": {"S": "x"}}}},
    ],
    "a failing condition on an item that does not exist": [
        _set_status("A1", "held"), _check("Z9", "available", all_old=True),
    ],
}  # fmt: skip


@pytest.mark.parametrize("items", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_the_per_item_rollback_answers_and_stores_exactly_what_moto_does(items):
    stock_answer, _, stock_after = _run(items, patched=False)

    answer, before, after = _run(items, patched=True)

    assert answer == stock_answer
    assert after == stock_after
    if not answer.get("ok"):
        assert after == before, "a cancelled transaction left a trace"


def test_a_cancelled_transaction_reports_each_item_and_the_current_seat_where_asked():
    answer, before, after = _run(SCENARIOS["one failing condition among several, with ALL_OLD"], patched=True)

    assert answer["code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in answer["reasons"]] == ["None", "ConditionalCheckFailed", "None", "None"]
    assert answer["reasons"][1]["Item"]["status"] == {"S": "held"}
    assert after == before


def test_an_entry_with_two_operations_rolls_back_what_was_already_written():
    """moto 5.2.5 keeps the earlier writes here; the local cloud keeps all-or-nothing."""
    both = {**_set_status("A2", "held"), **PUT_NEW_HOLD}

    answer, before, after = _run([_set_status("A1", "held"), both], patched=True)

    assert answer["code"] == "ValidationException"
    assert after == before


def test_the_patch_refuses_another_moto_version(monkeypatch):
    monkeypatch.setattr(moto_patch.moto, "__version__", "9.9.9")

    with pytest.raises(moto_transactions.UnsupportedMotoVersion, match=r"5\.2\.5"):
        moto_transactions.install()

    assert not moto_transactions.installed()
