"""One ``AWS::DynamoDB::Table`` per PynamoDB model, from the same schema PynamoDB's ``create_table`` uses.

Tests and the local cloud create tables with ``Model.create_table`` (``Model._get_schema()``); reading the
same schema here means a table in AWS has exactly the keys and indexes of the table in tests.
"""

from __future__ import annotations

from typing import Any

from pynamodb.models import Model

from chalicelib.adapters.dynamodb import tables
from infrastructure.naming import DELETION_PROTECTION_PARAM, TABLE_PREFIX_PARAM, camel, placeholder, ref, sub

KEY_ORDER = {"HASH": 0, "RANGE": 1}


def logical_id(model: type[Model]) -> str:
    return camel(tables.base_name(model)) + "Table"


def physical_name(model: type[Model], prefix: str) -> str:
    """The table's name for a stage: the same rule as `tables.configure` (prefix + short name)."""
    return prefix + tables.base_name(model)


def _key_schema(keys: list[dict[str, str]]) -> list[dict[str, str]]:
    """DynamoDB wants HASH before RANGE; PynamoDB lists index keys in attribute order."""
    return [
        {"AttributeName": key["AttributeName"], "KeyType": key["KeyType"]}
        for key in sorted(keys, key=lambda key: KEY_ORDER[key["KeyType"]])
    ]


def _projection(projection: dict[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = {"ProjectionType": projection["ProjectionType"]}
    if projection.get("NonKeyAttributes"):
        rendered["NonKeyAttributes"] = sorted(projection["NonKeyAttributes"])
    return rendered


def _indexes(indexes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "IndexName": index["index_name"],
            "KeySchema": _key_schema(index["key_schema"]),
            "Projection": _projection(index["projection"]),
        }
        for index in sorted(indexes, key=lambda index: index["index_name"])
    ]


def _attribute_definitions(schema: dict[str, Any]) -> list[dict[str, str]]:
    """Keys of the table and of its indexes only: DynamoDB rejects definitions of attributes no key uses."""
    definitions: dict[str, str] = {}
    for definition in schema["attribute_definitions"]:
        definitions[definition["AttributeName"]] = definition["AttributeType"]
    for index in schema["global_secondary_indexes"] + schema["local_secondary_indexes"]:
        for definition in index.get("attribute_definitions", []):
            definitions[definition["AttributeName"]] = definition["AttributeType"]
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in sorted(definitions.items())]


def table_resource(model: type[Model]) -> dict[str, Any]:
    schema = model._get_schema()
    properties: dict[str, Any] = {
        "TableName": sub(physical_name(model, placeholder(TABLE_PREFIX_PARAM))),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _attribute_definitions(schema),
        "KeySchema": _key_schema(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "DeletionProtectionEnabled": ref(DELETION_PROTECTION_PARAM),
    }
    if schema["global_secondary_indexes"]:
        properties["GlobalSecondaryIndexes"] = _indexes(schema["global_secondary_indexes"])
    if schema["local_secondary_indexes"]:
        properties["LocalSecondaryIndexes"] = _indexes(schema["local_secondary_indexes"])
    ttl = model._ttl_attribute()
    if ttl is not None:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl.attr_name, "Enabled": True}
    stream_view_type = getattr(model.Meta, "stream_view_type", None)
    if stream_view_type:
        properties["StreamSpecification"] = {"StreamViewType": stream_view_type}
    return {
        "Type": "AWS::DynamoDB::Table",
        # Data outlives the stack: deleting or replacing the stack never deletes a table.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }


def has_stream(model: type[Model]) -> bool:
    return bool(getattr(model.Meta, "stream_view_type", None))


def table_resources(models: list[type[Model]]) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = {}
    for model in models:
        name = logical_id(model)
        if name in resources:
            raise ValueError(f"two models map to the logical id {name}: give one a different Meta.table_name")
        resources[name] = table_resource(model)
    return resources
