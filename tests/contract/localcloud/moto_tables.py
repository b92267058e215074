"""Tables of the moto-patch tests: created afresh inside a `mock_aws`, keyed like the seat table."""

from __future__ import annotations

from typing import Any


def fresh_table(client: Any, name: str, *, indexed: tuple[str, ...] = (), **options: Any) -> dict[str, Any]:
    """Table `name` keyed by ``p`` (partition) and ``s`` (sort), strings, plus `indexed` string attributes for
    the indexes in `options`. The suite may already run inside one moto, which a nested mock_aws does not
    reset: a table of that name left there is deleted first. Returns the new table's description."""
    if name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    return client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("p", "s", *indexed)],
        BillingMode="PAY_PER_REQUEST",
        **options,
    )["TableDescription"]
