"""Update expressions parsed once per distinct text answer exactly as stock moto does, errors included."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from scripts.localcloud import moto_expressions, moto_transactions
from tests.contract.localcloud.moto_tables import fresh_table

TABLE = "expression-seats"
SET_STATUS = "SET #s = :status, #h = :hold ADD version :one"


def _seat(seat: str) -> dict:
    return {"p": {"S": "screening"}, "s": {"S": seat}}


def _update(seat: str, status: str, hold: str, expression: str = SET_STATUS) -> dict:
    return {
        "TableName": TABLE,
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
        fresh_table(client, TABLE)

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
        for n in range(4):  # conditions: the same texts with other values, met or not
            conditional = {**_update(f"C{n % 2}", "held", f"c{n}"), "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
            conditional["ConditionExpression"] = "attribute_not_exists(#h) OR (#s <> :status AND version < :one)"
            answer(client.update_item, **conditional)
            answer(client.transact_write_items, TransactItems=[{"Update": conditional}])
        for _ in range(2):  # the same expression, names mapping it onto the key: refused each time
            onto_key = {**_update("A2", "held", "z"), "ExpressionAttributeNames": {"#s": "status", "#h": "p"}}
            answer(client.update_item, **onto_key)
            answer(client.transact_write_items, TransactItems=[{"Update": onto_key}])
        answer(client.scan, TableName=TABLE)
        client.delete_table(TableName=TABLE)
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


def test_each_distinct_expression_is_parsed_once(monkeypatch):
    from moto.dynamodb.parsing import expressions

    tokenized: list[str] = []
    tokenize = expressions.ExpressionTokenizer.make_list
    monkeypatch.setattr(
        expressions.ExpressionTokenizer, "make_list", lambda text: tokenized.append(text) or tokenize(text)
    )
    moto_expressions.forget()
    with moto_expressions.parsed_once():
        scenario()

    assert tokenized.count(SET_STATUS) == 1  # 18 updates of SET_STATUS: 6 plain, 12 in transactions (parsed twice each)
    assert tokenized.count("SET #s = = :status") == 2  # an expression that does not parse is refused every time


def test_item_independent_checks_run_once_per_expression_and_names(monkeypatch):
    from moto.dynamodb.parsing.validators import ActionCountValidator

    counted: list[str] = []
    count = ActionCountValidator.verify_action_counts
    monkeypatch.setattr(
        ActionCountValidator, "verify_action_counts", lambda self, node: counted.append("") or count(self, node)
    )
    scenario()
    stock, counted[:] = len(counted), []
    moto_expressions.forget()
    with moto_expressions.parsed_once():
        scenario()

    # Stock moto checks at every validation of SET_STATUS (once per nested clause node); here the accepted
    # ones with the same names check once, the 4 refused ones (names onto the key) each time.
    per_validation = 15
    assert len(counted) == per_validation * (1 + 4)
    assert stock > 5 * len(counted)


def test_uninstalled_moto_parses_as_before():
    with moto_expressions.parsed_once():
        assert moto_expressions.installed()
    assert not moto_expressions.installed()


def _shape(node, parent=None):
    """A node's tree as plain values, checking every parent link on the way."""
    from moto.dynamodb.parsing.ast_nodes import Node

    if not isinstance(node, Node):
        return node
    assert node.parent is parent
    return type(node).__name__, node.type, [_shape(child, node) for child in node.children or []]


@pytest.mark.parametrize("expression", [SET_STATUS, "SET a.b[2] = list_append(:x, if_not_exists(c, :y)) REMOVE d, e"])
def test_the_validators_copy_of_a_tree_is_deepcopys(expression):
    import copy

    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    tree = UpdateExpressionParser.make(expression)

    copied = moto_expressions.copy_tree(tree)
    copied.children.clear()  # a copy: changing it leaves the original as it was

    assert _shape(moto_expressions.copy_tree(tree)) == _shape(copy.deepcopy(tree))
    assert _shape(tree) == _shape(copy.deepcopy(tree)) != _shape(copied)


def test_a_tree_sharing_a_node_is_left_to_deepcopy():
    from moto.dynamodb.parsing.ast_nodes import ExpressionAttribute, UpdateExpressionPath

    shared = ExpressionAttribute("a")
    tree = UpdateExpressionPath(children=[shared, shared])

    copied = moto_expressions.copy_tree(tree)

    assert copied.children[0] is copied.children[1]  # deepcopy keeps the sharing; a node-by-node copy would not
