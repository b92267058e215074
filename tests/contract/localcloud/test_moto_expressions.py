"""Update expressions parsed once per distinct text answer exactly as stock moto does, errors included."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from scripts.localcloud import moto_expressions, moto_transactions

SET_STATUS = "SET #s = :status, #h = :hold ADD version :one"


def _seat(seat: str) -> dict:
    return {"p": {"S": "screening"}, "s": {"S": seat}}


def _update(seat: str, status: str, hold: str, expression: str = SET_STATUS) -> dict:
    return {
        "TableName": "seats",
        "Key": _seat(seat),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {"#s": "status", "#h": "hold"},
        "ExpressionAttributeValues": {":status": {"S": status}, ":hold": {"S": hold}, ":one": {"N": "1"}},
    }


def scenario() -> list:
    """The same few expressions again and again with other values, plain and in transactions, and bad ones."""
    answers: list = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="seats",
            KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "p", "AttributeType": "S"},
                {"AttributeName": "s", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )

        def answer(call, **request) -> None:
            try:
                result = call(**request)
                answers.append({key: value for key, value in result.items() if key != "ResponseMetadata"})
            except ClientError as error:
                answers.append(error.response["Error"])

        for n in range(6):
            seat = f"A{n % 3}"
            answer(
                client.update_item, **_update(seat, "held" if n % 2 else "available", f"h{n}"), ReturnValues="ALL_NEW"
            )
            answer(
                client.transact_write_items,
                TransactItems=[
                    {"Update": _update(f"B{n % 2}", "held", f"t{n}")},
                    {"Update": _update(seat, "sold", f"t{n}")},
                ],
            )
        answer(client.update_item, **_update("A0", "held", "x", expression="SET #s = :status REMOVE #h"))
        answer(client.update_item, **_update("A0", "held", "x", expression="SET #s = = :status"))  # does not parse
        answer(client.update_item, **_update("A0", "held", "x", expression="SET #s = :status"))  # unused values
        answer(client.update_item, **_update("A0", "held", "x", expression="SET #s = :nothing, #h = :hold"))
        answer(
            client.transact_write_items,
            TransactItems=[{"Update": _update("A1", "held", "y", expression="SET #s = = :status")}],
        )
        answer(client.scan, TableName="seats")
    return answers


@pytest.mark.parametrize("transactions", ["moto", "per-item"])
def test_answers_and_tables_are_stock_motos(transactions):
    if transactions == "per-item":
        with moto_transactions.per_item_transactions():
            stock = scenario()
            with moto_expressions.parsed_once():
                ours = scenario()
    else:
        stock = scenario()
        with moto_expressions.parsed_once():
            ours = scenario()

    assert ours == stock
    assert any("Code" in answer for answer in stock)  # the bad expressions were refused, so the errors were compared


def test_each_distinct_expression_is_parsed_once():
    moto_expressions.make.cache_clear()
    with moto_expressions.parsed_once():
        scenario()

    info = moto_expressions.make.cache_info()
    assert (
        info.misses <= 6
    )  # SET_STATUS, the REMOVE one, the unused-values one, the unknown-value one, the bad one twice
    assert info.hits >= 6 * 3  # SET_STATUS: each plain update once, each transaction's two updates twice


def test_uninstalled_moto_parses_as_before():
    with moto_expressions.parsed_once():
        assert moto_expressions.installed()
    assert not moto_expressions.installed()
