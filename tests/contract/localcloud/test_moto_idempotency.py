"""moto with `moto_idempotency` honours a TransactWriteItems ClientRequestToken as DynamoDB documents it."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from scripts.localcloud import moto_idempotency
from tests.contract.localcloud.moto_tables import fresh_table

TABLE = "idempotent-seats"


def _add_one(seat: str) -> list[dict]:
    return [{"Update": {
        "TableName": TABLE, "Key": {"p": {"S": "screening"}, "s": {"S": seat}},
        "UpdateExpression": "ADD version :one", "ExpressionAttributeValues": {":one": {"N": "1"}},
    }}]  # fmt: skip


@pytest.fixture
def client():
    moto_idempotency.forget()
    with mock_aws(), moto_idempotency.PATCH.active():
        client = boto3.client("dynamodb", region_name="us-east-1")
        fresh_table(client, TABLE)
        yield client


def _version(client, seat: str) -> int:
    item = client.get_item(TableName=TABLE, Key={"p": {"S": "screening"}, "s": {"S": seat}})["Item"]
    return int(item["version"]["N"])


def test_a_call_repeated_with_its_token_writes_once(client):
    client.transact_write_items(TransactItems=_add_one("A1"), ClientRequestToken="release-1")
    client.transact_write_items(TransactItems=_add_one("A1"), ClientRequestToken="release-1")

    assert _version(client, "A1") == 1


def test_the_token_of_another_request_is_a_mismatch(client):
    client.transact_write_items(TransactItems=_add_one("A1"), ClientRequestToken="release-1")

    with pytest.raises(ClientError) as refused:
        client.transact_write_items(TransactItems=_add_one("A2"), ClientRequestToken="release-1")

    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"


def test_a_token_longer_than_36_characters_is_refused_and_writes_nothing(client):
    client.transact_write_items(TransactItems=_add_one("A1"), ClientRequestToken="t" * 36)

    with pytest.raises(ClientError) as refused:
        client.transact_write_items(TransactItems=_add_one("A2"), ClientRequestToken="t" * 37)

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "A2" not in [item["s"]["S"] for item in client.scan(TableName=TABLE)["Items"]]


def test_a_token_is_forgotten_after_ten_minutes(client, monkeypatch):
    client.transact_write_items(TransactItems=_add_one("A1"), ClientRequestToken="release-1")
    later = moto_idempotency.clock() + moto_idempotency.TOKEN_SECONDS + 1
    monkeypatch.setattr(moto_idempotency, "clock", lambda: later)

    client.transact_write_items(TransactItems=_add_one("A1"), ClientRequestToken="release-1")

    assert _version(client, "A1") == 2
